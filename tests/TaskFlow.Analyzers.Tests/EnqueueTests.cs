using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.Analyzers.Tests.Infrastructure;
using TaskFlow.CodeFixes;
using Xunit;

namespace TaskFlow.Analyzers.Tests;

/// <summary>TF1003 (enqueue not awaited), TF1012 (Retry not thrown), TF1004 (enqueue inside a transaction).</summary>
public sealed class EnqueueTests
{
    private const string Tasks = """
        using System;
        using System.Data;
        using System.Data.Common;
        using System.Threading;
        using System.Threading.Tasks;
        using System.Transactions;
        using TaskFlow;

        public static partial class Mail
        {
            [Task]
            public static Task Send(int userId, CancellationToken cancellationToken) => Task.CompletedTask;
        }

        """;

    [Fact]
    public async Task Enqueues_whose_result_is_dropped_are_reported()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Tasks + """
            public readonly struct NoArguments : TaskFlow.Infrastructure.ITaskArgumentWriter
            {
                public void WriteTo(System.Text.Json.Utf8JsonWriter writer, System.Text.Json.JsonSerializerOptions options) { }
            }

            public sealed class Caller(Mail.Client mail, ITaskClient client)
            {
                public void Statement() => mail.Send.DelayAsync(1);

                public void LowLevel() => client.SendAsync(Mail.Client.SendDescriptor, new NoArguments());

                public async Task Several(CancellationToken ct)
                {
                    mail.Send.DelayAsync(2, ct);
                    _ = mail.Send.ApplyAsync(3, new SendOptions { Queue = "bulk" });
                    mail.Send.DelayAsync(4).AsTask();
                    mail.Send.DelayAsync(5).ConfigureAwait(false);
                    Action later = () => mail.Send.DelayAsync(6);
                    later();
                    await Task.Yield();
                }
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[]
        {
            "TF1003 mail.Send.DelayAsync(1)",
            "TF1003 client.SendAsync(Mail.Client.SendDescriptor, new NoArguments())",
            "TF1003 mail.Send.DelayAsync(2, ct)",
            "TF1003 mail.Send.ApplyAsync(3, new SendOptions { Queue = \"bulk\" })",
            "TF1003 mail.Send.DelayAsync(4)",
            "TF1003 mail.Send.DelayAsync(5)",
            "TF1003 mail.Send.DelayAsync(6)",
        });
        diagnostics[0].GetMessage(CultureInfo.InvariantCulture).ShouldBe(
            "The result of 'Send.DelayAsync' is not awaited; the task is not known to be sent until the broker confirms it, and a failed publish or the process ending goes unnoticed. Await it.");
    }

    [Fact]
    public async Task Awaited_returned_or_stored_enqueues_and_other_DelayAsync_methods_are_not_reported()
    {
        var diagnostics = await AnalyzerHarness.FindAsync(Tasks + """
            public sealed class Timer { public Task DelayAsync(int milliseconds) => Task.Delay(milliseconds); }

            public sealed class Caller(Mail.Client mail, ITaskClient client)
            {
                public async Task Awaited(CancellationToken ct)
                {
                    await mail.Send.DelayAsync(1, ct);
                    var handle = await mail.Send.ApplyAsync(2, new SendOptions()).ConfigureAwait(false);
                    var pending = mail.Send.DelayAsync(3);
                    await pending;
                    Func<ValueTask<TaskHandle>> later = () => mail.Send.DelayAsync(4);
                    await later();
                    new Timer().DelayAsync(5).Wait();
                }

                public ValueTask<TaskHandle> Returned() => mail.Send.DelayAsync(6);

                public Task<TaskHandle> AsTask() => mail.Send.DelayAsync(7).AsTask();
            }
            """);

        diagnostics.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_await_fix_awaits_in_async_code_only()
    {
        const string before = Tasks + """
            public sealed class Caller(Mail.Client mail)
            {
                public async Task Run()
                {
                    // send it
                    mail.Send.DelayAsync(1);
                    _ = mail.Send.DelayAsync(2);
                }

                public void Sync() => mail.Send.DelayAsync(3);
            }
            """;

        var fixedOnce = await CodeFixHarness.ApplySingleAsync(before, "TF1003", new AwaitOrThrowCodeFixProvider());
        fixedOnce.ShouldBe(before.Replace("        mail.Send.DelayAsync(1);", "        await mail.Send.DelayAsync(1);", System.StringComparison.Ordinal));
        var fixedTwice = await CodeFixHarness.ApplySingleAsync(before, "TF1003", new AwaitOrThrowCodeFixProvider(), occurrence: 1);
        fixedTwice.ShouldBe(before.Replace("_ = mail.Send.DelayAsync(2);", "await mail.Send.DelayAsync(2);", System.StringComparison.Ordinal));
        (await CodeFixHarness.OfferedAsync(before.Replace("mail.Send.DelayAsync(1);", string.Empty, System.StringComparison.Ordinal).Replace("_ = mail.Send.DelayAsync(2);", string.Empty, System.StringComparison.Ordinal), "TF1003", new AwaitOrThrowCodeFixProvider()))
            .ShouldBeEmpty();
    }

    [Fact]
    public async Task A_retry_that_is_not_thrown_is_reported_and_fixed()
    {
        const string before = Tasks + """
            public static partial class Jobs
            {
                [Task]
                public static void Sync(int accountId, TaskContext context)
                {
                    try
                    {
                        Console.WriteLine(accountId);
                    }
                    catch (TimeoutException exception)
                    {
                        context.Retry(reason: exception);
                    }
                }

                [Task]
                public static void Thrown(TaskContext context)
                {
                    if (context.Attempt < 3)
                    {
                        throw context.Retry();
                    }

                    var retry = context.Retry(TimeSpan.FromSeconds(30));
                    throw retry;
                }
            }
            """;

        (await AnalyzerHarness.FindAsync(before)).ShouldBe(new[] { "TF1012 context.Retry(reason: exception)" });
        (await CodeFixHarness.ApplySingleAsync(before, "TF1012", new AwaitOrThrowCodeFixProvider()))
            .ShouldBe(before.Replace("            context.Retry(reason: exception);", "            throw context.Retry(reason: exception);", System.StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enqueues_inside_open_transactions_are_reported()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Tasks + """
            public sealed class Signup(Mail.Client mail)
            {
                public async Task Scope()
                {
                    using (var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
                    {
                        await mail.Send.DelayAsync(1);
                        scope.Complete();
                    }
                }

                public async Task ScopeDeclaration()
                {
                    using var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled);
                    scope.Complete();
                    await mail.Send.DelayAsync(2); // still before the commit: that happens at Dispose
                }

                public async Task Ado(DbConnection connection)
                {
                    await using var transaction = await connection.BeginTransactionAsync();
                    await mail.Send.DelayAsync(3);
                    await transaction.CommitAsync();
                }

                public async Task Dapper(IDbConnection connection)
                {
                    var transaction = connection.BeginTransaction();
                    await mail.Send.DelayAsync(4);
                    transaction.Commit();
                }

                public async Task NeverCommitted(IDbConnection connection)
                {
                    using var transaction = connection.BeginTransaction();
                    await mail.Send.DelayAsync(5);
                }
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[]
        {
            "TF1004 mail.Send.DelayAsync(1)",
            "TF1004 mail.Send.DelayAsync(2)",
            "TF1004 mail.Send.DelayAsync(3)",
            "TF1004 mail.Send.DelayAsync(4)",
            "TF1004 mail.Send.DelayAsync(5)",
        });
        diagnostics[0].GetMessage(CultureInfo.InvariantCulture).ShouldBe(
            "'Send.DelayAsync' is called while the TransactionScope created on line 18 is open; the task can run before the transaction commits, or after it rolls back. Enqueue after the commit, or enqueue through the transactional outbox: new MyTasks.Client(taskStateStore.Outbox(transaction)).");
        diagnostics[2].GetMessage(CultureInfo.InvariantCulture).ShouldContain("while the transaction begun on line 34 by 'BeginTransactionAsync' is open");
    }

    [Fact]
    public async Task Enqueues_after_the_commit_outside_the_scope_or_in_a_suppressed_scope_are_not_reported()
    {
        var diagnostics = await AnalyzerHarness.FindAsync(Tasks + """
            public sealed class Signup(Mail.Client mail)
            {
                public async Task AfterScope()
                {
                    await mail.Send.DelayAsync(0);
                    using (var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
                    {
                        scope.Complete();
                    }

                    await mail.Send.DelayAsync(1);
                }

                public async Task Suppressed()
                {
                    using var scope = new TransactionScope(TransactionScopeOption.Suppress, TransactionScopeAsyncFlowOption.Enabled);
                    await mail.Send.DelayAsync(2);
                }

                public async Task AfterCommit(DbConnection connection)
                {
                    await using var transaction = await connection.BeginTransactionAsync();
                    await transaction.CommitAsync();
                    await mail.Send.DelayAsync(3);
                }

                public async Task AfterRollback(IDbConnection connection)
                {
                    var transaction = connection.BeginTransaction();
                    try
                    {
                        transaction.Commit();
                    }
                    catch
                    {
                        transaction.Rollback();
                        throw;
                    }

                    await mail.Send.DelayAsync(4);
                }

                public async Task ThroughTheOutbox(DbConnection connection, TaskFlow.State.TaskStateStore store)
                {
                    await using var transaction = await connection.BeginTransactionAsync();
                    var outbox = new Mail.Client(store.Outbox(transaction));
                    await outbox.Send.DelayAsync(6); // written to the outbox in this transaction: the recommended form
                    await transaction.CommitAsync();
                }

                public Func<Task> Deferred()
                {
                    using var scope = new TransactionScope();
                    Func<Task> send = async () => await mail.Send.DelayAsync(5); // runs later, outside the scope
                    scope.Complete();
                    return send;
                }
            }
            """);

        diagnostics.ShouldBeEmpty();
    }
}
