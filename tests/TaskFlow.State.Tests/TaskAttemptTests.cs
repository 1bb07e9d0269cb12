using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.State.Internal;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The task detail's storage (issue 15, schema version 13): every attempt that ends in an error is a <c>task_attempt</c>
/// row with its error and stack, written with the record that ends it and deleted with its task; the trace id and the
/// (redacted, bounded) headers of every task are kept with its first record; the argument search has a trigram index.
/// </summary>
public sealed class TaskAttemptTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string Key() => Guid.NewGuid().ToString("N")[..12];

    private static async Task<TaskStateInfo> FinalAsync(TaskStateStore store, string id)
    {
        await Eventually.UntilAsync(async () => (await store.GetAsync(id))?.IsFinal == true, Timeout, "task " + id + " final");
        return (await store.GetAsync(id))!;
    }

    private static async Task<int> StoredAttemptsAsync(StateHost host, string id)
    {
        await using var connection = await host.Database.OpenAsync();
        var table = host.Database.Provider == StateStoreProvider.PostgreSql ? $"{host.Schema}.task_attempt" : $"[{host.Schema}].[task_attempt]";
        return await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM {table} WHERE task_id = @Id", new { Id = id });
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_task_failing_twice_then_succeeding_has_two_attempts_with_their_errors_and_stacks_then_its_success(string name)
    {
        var worker = "attempts-" + Key();
        await using var host = await StateHost.StartAsync(name, workerName: worker);
        var store = host.Store;
        var key = "twice-" + Key();
        var handle = await host.Tasks.FailTwice.ApplyAsync(key, host.Options());

        var info = await FinalAsync(store, handle.Id);
        info.State.ShouldBe(TaskState.Succeeded);
        info.Attempts.ShouldBe(3);
        info.Error.ShouldBeNull("the task's record is its success");
        (await StoredAttemptsAsync(host, handle.Id)).ShouldBe(2, "only the attempts that ended in an error are rows");

        var attempts = await store.GetAttemptsAsync(handle.Id);
        attempts.Select(a => (a.Attempt, a.State)).ShouldBe([(1, TaskState.Retrying), (2, TaskState.Retrying), (3, TaskState.Succeeded)]);
        for (var run = 1; run <= 2; run++)
        {
            var attempt = attempts[run - 1];
            attempt.TaskId.ShouldBe(handle.Id);
            attempt.Worker.ShouldBe(worker);
            attempt.Error.ShouldBe($"System.InvalidOperationException: attempt helper failed on run {run} of {key}");
            attempt.Stack.ShouldNotBeNull();
            attempt.Stack.ShouldStartWith($"System.InvalidOperationException: attempt helper failed on run {run} of {key}");
            attempt.Stack.ShouldContain("ThrowFromHelper");
            attempt.Stack.ShouldContain("FailTwice");
            attempt.StartedAt.ShouldNotBeNull();
            attempt.EndedAt.ShouldNotBeNull();
            attempt.EndedAt.Value.ShouldBeGreaterThanOrEqualTo(attempt.StartedAt.Value);
        }

        attempts[1].StartedAt!.Value.ShouldBeGreaterThanOrEqualTo(attempts[0].EndedAt!.Value, "the retry ran after the first attempt ended");
        var success = attempts[2];
        success.Error.ShouldBeNull();
        success.Stack.ShouldBeNull();
        success.Worker.ShouldBe(worker);
        success.StartedAt.ShouldBe(info.StartedAt);
        success.EndedAt.ShouldBe(info.CompletedAt);
        (await store.GetAttemptsAsync("no-such-task-" + Key())).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_failed_task_has_all_its_attempts_and_they_are_deleted_with_it_by_delete_and_by_cleanup(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var store = host.Store;
        var key = "always-" + Key();
        var failed = await host.Tasks.AlwaysFail.ApplyAsync(key, host.Options());
        var other = await host.Tasks.AlwaysFail.ApplyAsync(key + "-other", host.Options());
        var dead = await host.Tasks.Fail.ApplyAsync("dead-" + key, host.Options());

        var info = await FinalAsync(store, failed.Id);
        info.State.ShouldBe(TaskState.Failed);
        info.Attempts.ShouldBe(3);
        var attempts = await store.GetAttemptsAsync(failed.Id);
        attempts.Select(a => (a.Attempt, a.State)).ShouldBe([(1, TaskState.Retrying), (2, TaskState.Retrying), (3, TaskState.Failed)]);
        attempts[2].Error.ShouldBe(info.Error, "the last attempt's error is the task's");
        attempts[2].Error!.ShouldContain($"AttemptFailedException: run 3 of {key} failed");
        attempts[2].Stack!.ShouldContain("TaskFlow.State.Worker.AttemptFailedException: run 3 of " + key + " failed");
        attempts[2].Stack!.ShouldContain("---> System.InvalidOperationException: attempt helper failed on run 3 of " + key, customMessage: "the inner exception with its own stack");
        attempts[2].Stack!.ShouldContain("AlwaysFail");
        attempts[0].Error!.ShouldContain("run 1 of " + key);

        // A task without retries that fails once: one attempt, the failed one.
        (await FinalAsync(store, dead.Id)).State.ShouldBe(TaskState.Failed);
        (await store.GetAttemptsAsync(dead.Id)).Select(a => (a.Attempt, a.State)).ShouldBe([(1, TaskState.Failed)]);

        // Deleted with their task, by the operator's delete...
        (await StoredAttemptsAsync(host, failed.Id)).ShouldBe(3);
        (await store.DeleteTasksAsync([failed.Id])).Deleted.ShouldBe(1);
        (await StoredAttemptsAsync(host, failed.Id)).ShouldBe(0);
        (await store.GetAttemptsAsync(failed.Id)).ShouldBeEmpty();

        // ...and by the cleanup of expired records.
        await FinalAsync(store, other.Id);
        (await StoredAttemptsAsync(host, other.Id)).ShouldBe(3);
        await using (var connection = await host.Database.OpenAsync())
        {
            var table = host.Database.Provider == StateStoreProvider.PostgreSql ? $"{host.Schema}.task_state" : $"[{host.Schema}].[task_state]";
            await connection.ExecuteAsync($"UPDATE {table} SET expires_at = @Past WHERE task_id = @Id", new { Past = DateTimeOffset.UtcNow.AddDays(-1), Id = other.Id });
        }

        (await store.CleanupAsync()).ShouldBeGreaterThanOrEqualTo(1);
        (await store.GetAsync(other.Id)).ShouldBeNull();
        (await StoredAttemptsAsync(host, other.Id)).ShouldBe(0);
        (await StoredAttemptsAsync(host, dead.Id)).ShouldBe(1, "the other task's attempt is untouched");
    }

    [Fact]
    public void A_stack_is_bounded_with_a_note_of_what_was_cut()
    {
        AttemptWrite.BoundStack(null).ShouldBeNull();
        AttemptWrite.BoundStack("at a\0b").ShouldBe("at a\uFFFDb");
        var stack = AttemptWrite.BoundStack(new string('s', 40_000))!;
        stack.Length.ShouldBeLessThanOrEqualTo(AttemptWrite.MaxStackLength);
        stack.ShouldEndWith($"... (cut: {40_000 - (AttemptWrite.MaxStackLength - 80)} more characters)");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Every_task_keeps_its_trace_id_and_redacted_headers_from_its_first_record_never_overwritten(string name)
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TaskFlowTelemetry.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await StateHost.StartAsync(name);
        var store = host.Store;
        var key = "headers-" + Key();
        var secret = "hunter2-" + Key();

        var added = await host.Tasks.Add.ApplyAsync(1, 2, key, host.Options());
        var sensitive = await host.Tasks.SensitiveFail.ApplyAsync(key + "-s", secret, 4242, host.Options());
        var celeryJson = Guid.NewGuid().ToString();
        var celeryRepr = Guid.NewGuid().ToString();
        await PublishCeleryAsync(host.Queue, celeryJson, $"[\"{key}-b\",\"{secret}\",4242]", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        await PublishCeleryAsync(host.Queue, celeryRepr, $"['{key}-c', '{secret}', 4242]", null);

        var info = await FinalAsync(store, added.Id);
        info.State.ShouldBe(TaskState.Succeeded, "not a dead letter: its headers are still kept");
        info.TraceId.ShouldNotBeNull();
        info.TraceId.ShouldMatch("^[0-9a-f]{32}$");
        info.Headers["traceparent"].ShouldNotBeNull().ShouldContain("-" + info.TraceId + "-");
        info.Headers["id"].ShouldBe(added.Id);
        info.Headers["task"].ShouldBe("state_tests.add");
        info.Headers["argsrepr"].ShouldBe($"[1,2,\"{key}\"]");
        info.Headers.ContainsKey("retries").ShouldBeFalse("a first send leaves Celery's optional retries header out (0)");

        var a = await FinalAsync(store, sensitive.Id);
        var b = await FinalAsync(store, celeryJson);
        var c = await FinalAsync(store, celeryRepr);
        a.Headers["argsrepr"].ShouldBe($"[\"{key}-s\",\"***\",4242]");
        b.Headers["argsrepr"].ShouldBe($"[\"{key}-b\",\"***\",4242]", "a Celery client's clear argsrepr is redacted by the task's declaration");
        b.TraceId.ShouldBe("0af7651916cd43dd8448eb211c80319c");
        c.Headers["argsrepr"].ShouldBe("***", "a Python repr cannot be redacted: hidden whole");
        c.TraceId.ShouldBeNull("the message carried no traceparent");
        foreach (var stored in new[] { a, b, c })
        {
            stored.Headers.Values.ShouldAllBe(v => v == null || !v.Contains("hunter2"));
        }

        // Never overwritten by a later record, and bounded.
        var later = store.NewWrite(added.Id, "state_tests.add", host.Queue, TaskState.Started, 2);
        later.Headers = "{\"id\":\"other\"}";
        later.TraceId = new string('1', 32);
        await store.Database.States.WriteAsync([later], default);
        var after = (await store.GetAsync(added.Id))!;
        after.Headers["id"].ShouldBe(added.Id);
        after.TraceId.ShouldBe(info.TraceId);

        var many = new Dictionary<string, object?> { ["big"] = new string('x', 5000) };
        for (var i = 0; i < 100; i++)
        {
            many["h" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)] = new string('v', 100);
        }

        var bounded = HeadersText.Write(many, sensitive: null)!;
        bounded.Length.ShouldBeLessThanOrEqualTo(HeadersText.MaxLength);
        var read = HeadersText.Read(bounded);
        read["big"]!.Length.ShouldBe(HeadersText.MaxValueLength);
        read["big"].ShouldEndWith("...");
        int.Parse(read[HeadersText.CutKey]!, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(101 - (read.Count - 1));
        HeadersText.TraceIdOf("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01").ShouldBe("0af7651916cd43dd8448eb211c80319c");
        HeadersText.TraceIdOf("garbage").ShouldBeNull();
    }

    [Fact]
    public async Task The_argument_search_has_a_trigram_index_that_the_planner_uses_for_a_contains_query()
    {
        await using var host = await StateHost.StartAsync("postgresql", worker: false, configure: o => o.IndexArgumentsForSearch = true);
        await host.Store.ApplySchemaAsync();
        await using var connection = await host.Database.OpenAsync();
        var s = host.Schema;
        (await connection.ExecuteScalarAsync<string>($"SELECT indexdef FROM pg_indexes WHERE schemaname = '{s}' AND indexname = '{ArgumentsSearchIndex.IndexName}'"))
            .ShouldNotBeNull("created after the migrations (the taskflow role owns the database: pg_trgm is trusted)")
            .ShouldContain("gin (arguments");

        // Enough rows that the planner prefers the index for a rare text over reading the list newest first.
        await connection.ExecuteAsync($"""
            INSERT INTO {s}.task_state (task_id, task_name, queue, state, attempts, created_at, updated_at, expires_at, arguments)
            SELECT 'bulk-' || g, 'bulk.task', 'q', 10, 1, now() - g * interval '1 second', now(), now() + interval '1 day',
                   '[' || g || ',"customer-' || md5(g::text) || '"]'
            FROM generate_series(1, 50000) g;
            ANALYZE {s}.task_state;
            """);
        var needle = (await connection.ExecuteScalarAsync<string>("SELECT md5('31337')"))![..12];
        var page = await host.Store.QueryTasksAsync(new TaskQuery { ArgumentsContains = needle.ToUpperInvariant() });
        page.Tasks.Select(t => t.TaskId).ShouldBe(["bulk-31337"]);

        var plan = string.Join("\n", await connection.QueryAsync<string>(
            $"EXPLAIN SELECT task_id FROM {s}.task_state WHERE arguments ILIKE @Pattern ESCAPE '\\' ORDER BY created_at DESC, task_id DESC LIMIT 50",
            new { Pattern = "%" + needle + "%" }));
        plan.ShouldContain(ArgumentsSearchIndex.IndexName, customMessage: plan);
    }

    [Fact]
    public async Task By_default_there_is_no_trigram_index_and_the_search_still_finds_a_text_in_the_arguments()
    {
        await using var host = await StateHost.StartAsync("postgresql", worker: false);
        await host.Store.ApplySchemaAsync();
        await using var connection = await host.Database.OpenAsync();
        var s = host.Schema;
        (await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM pg_indexes WHERE schemaname = '{s}' AND indexname = '{ArgumentsSearchIndex.IndexName}'"))
            .ShouldBe(0, "IndexArgumentsForSearch is off by default: no state write pays for the index");
        await connection.ExecuteAsync($"""
            INSERT INTO {s}.task_state (task_id, task_name, queue, state, attempts, created_at, updated_at, expires_at, arguments)
            SELECT 'plain-' || g, 'plain.task', 'q', 10, 1, now() - g * interval '1 second', now(), now() + interval '1 day',
                   '[' || g || ',"customer-' || md5(g::text) || '"]'
            FROM generate_series(1, 2000) g;
            """);
        var needle = (await connection.ExecuteScalarAsync<string>("SELECT md5('1234')"))![..12];
        var page = await host.Store.QueryTasksAsync(new TaskQuery { ArgumentsContains = needle.ToUpperInvariant() });
        page.Tasks.Select(t => t.TaskId).ShouldBe(["plain-1234"]);
    }

    [Fact]
    public async Task With_the_option_off_an_index_that_exists_is_kept_and_reported_with_the_statement_that_drops_it()
    {
        await using var first = await StateHost.StartAsync("postgresql", worker: false, configure: o => o.IndexArgumentsForSearch = true);
        await first.Store.ApplySchemaAsync();
        var s = first.Schema;
        var count = $"SELECT COUNT(*) FROM pg_indexes WHERE schemaname = '{s}' AND indexname = '{ArgumentsSearchIndex.IndexName}'";
        await using var connection = await first.Database.OpenAsync();
        (await connection.ExecuteScalarAsync<int>(count)).ShouldBe(1, "an earlier TaskFlow (or an operator) created it");

        // A store with the option off (the default) migrating the same schema keeps it: it may be there on purpose.
        await using (var second = await StateHost.StartAsync("postgresql", worker: false, schema: s))
        {
            await second.Store.ApplySchemaAsync();
        }

        (await connection.ExecuteScalarAsync<int>(count)).ShouldBe(1, "the option off never drops an index");

        var logger = new ListLogger();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ArgumentsSearchIndex.ReportKeptAsync(connection, transaction, s, logger, default);
            await transaction.RollbackAsync();
        }

        var kept = logger.Entries.ShouldHaveSingleItem();
        kept.Level.ShouldBe(LogLevel.Information);
        kept.EventId.ShouldBe(5082);
        kept.Message.ShouldContain("IndexArgumentsForSearch is off");
        kept.Message.ShouldContain(ArgumentsSearchIndex.DropStatement(s));

        // The statement it names drops the index; then there is nothing to report.
        await connection.ExecuteAsync(ArgumentsSearchIndex.DropStatement(s));
        (await connection.ExecuteScalarAsync<int>(count)).ShouldBe(0);
        logger.Entries.Clear();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ArgumentsSearchIndex.ReportKeptAsync(connection, transaction, s, logger, default);
            await transaction.RollbackAsync();
        }

        logger.Entries.ShouldBeEmpty();
    }

    [Fact]
    public async Task Without_the_privilege_the_index_is_left_out_with_a_warning_naming_the_sql_and_the_migration_goes_on()
    {
        var database = Databases.Get("postgresql");
        var logger = new ListLogger();
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        // A schema that does not exist stands for a role that may not create the extension or the index: the statement fails.
        await ArgumentsSearchIndex.TryCreateAsync(connection, transaction, "no_such_schema_" + Key(), logger, default);

        var warning = logger.Entries.ShouldHaveSingleItem();
        warning.Level.ShouldBe(LogLevel.Warning);
        warning.EventId.ShouldBe(5080);
        warning.Message.ShouldContain("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public; CREATE INDEX IF NOT EXISTS ix_task_state_arguments_trgm");
        (await connection.ExecuteScalarAsync<int>("SELECT 1", transaction: transaction)).ShouldBe(1, "the savepoint was rolled back: the transaction goes on");
        await transaction.RollbackAsync();
    }

    /// <summary>A Celery client's message of <c>state_tests.sensitive_fail</c>: argsrepr in the clear, no TaskFlow headers.</summary>
    private static async Task PublishCeleryAsync(string queue, string id, string argsRepr, string? traceparent)
    {
        var headers = new Dictionary<string, object?> { ["id"] = id, ["task"] = "state_tests.sensitive_fail", ["lang"] = "py", ["root_id"] = id, ["retries"] = 0, ["argsrepr"] = argsRepr, ["kwargsrepr"] = "{}" };
        if (traceparent is not null)
        {
            headers["traceparent"] = traceparent;
        }

        var body = "[[\"k\",\"v\",4242],{},{\"callbacks\":null,\"errbacks\":null,\"chain\":null,\"chord\":null}]";
        var factory = new ConnectionFactory { Uri = TestEnvironment.BrokerUri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var properties = new BasicProperties { ContentType = "application/json", ContentEncoding = "utf-8", Headers = headers, Persistent = true };
        await channel.BasicPublishAsync("", queue, mandatory: true, properties, Encoding.UTF8.GetBytes(body));
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, int EventId, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, eventId.Id, formatter(state, exception)));
    }
}
