using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.Hosting;
using TaskFlow.Infrastructure;
using TaskFlow.Protocol;
using TaskFlow.RabbitMq.Internal;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>
/// Long-running tasks without a broker or database: attempt counting, lease mode's early ack and settlement, copies of a
/// task still running in this worker, lost acks, undecodable messages with a task id, and start-up checks. The state store
/// is a fake that records what the core asked of it; the real store and broker are covered by the state and fault tests.
/// </summary>
public sealed class LongRunningTests
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(30);

    [Theory]
    [InlineData(0, null, false, null, 1, false)]
    [InlineData(0, null, true, null, 2, true)]
    [InlineData(0, 3, true, null, 4, true)]
    [InlineData(2, 1, false, 1, 5, true)]
    [InlineData(1, null, false, 2, 4, true)]
    public void Attempts_count_retries_broker_redeliveries_and_redeliveries_carried_by_copies(int retries, int? deliveryCount, bool redelivered, int? carried, int attempt, bool isRedelivered)
    {
        var headers = Headers("long.attempt", "a", retries);
        if (deliveryCount is { } count)
        {
            headers[MessageHeaders.DeliveryCount] = (long)count;
        }

        if (carried is { } c)
        {
            headers[MessageHeaders.Redeliveries] = c;
        }

        using var message = IncomingTask.TryDecode(headers, "application/json", "utf-8", Body("k"), out _, out _, redelivered)!;

        message.Attempt.ShouldBe(attempt);
        message.Redelivered.ShouldBe(isRedelivered);
    }

    [Fact]
    public async Task The_store_counted_runs_raise_the_attempt_a_message_alone_would_show()
    {
        var recorder = new FakeRecorder { PriorAttempts = 2 };
        await using var provider = Provider(recorder);
        var key = Guid.NewGuid().ToString("N");

        var settlement = await Process(provider, Headers("long.attempt", key), Body(key));

        settlement.Kind.ShouldBe(SettlementKind.Ack);
        // Two runs counted by the store (one rolled back by a kill), so this is the third.
        LongTasks.Seen[key].ShouldBe(["attempt 3 redelivered False"]);
        recorder.Records.ShouldContain($"{key}:succeeded:attempt 3");
    }

    [Fact]
    public async Task A_dead_letter_says_how_many_times_the_task_ran_including_broker_redeliveries()
    {
        var headers = Headers("core.fail", "dl-" + Guid.NewGuid().ToString("N"));
        headers[MessageHeaders.DeliveryCount] = 2L;
        await using var provider = Provider(NoRecorder());

        var settlement = await Process(provider, headers, Encoding.UTF8.GetBytes("""[["boom"], {}, {}]"""));

        settlement.Kind.ShouldBe(SettlementKind.DeadLetter);
        settlement.Retries.ShouldBe(3, "two earlier deliveries and this run");
        settlement.Redeliveries.ShouldBe(2, "carried on the dead letter, so its attempts survive a re-drive");
    }

    [Fact]
    public async Task A_leased_task_is_acked_before_it_runs_and_its_lease_released_after_success()
    {
        var recorder = new FakeRecorder();
        var acks = new FakeAcknowledger();
        LongTasks.AckedProbe = () => !acks.Acked.IsEmpty;
        await using var provider = Provider(recorder);
        var key = Guid.NewGuid().ToString("N");

        var settlement = await Process(provider, Headers("long.leased", key), Body(key, "ok"), acks);

        LongTasks.Seen[key].ShouldBe(["start acked True attempt 1"]);
        acks.Acked.ShouldBe([7UL]);
        settlement.Acknowledged.ShouldBeTrue("the transport must neither ack nor return it again");
        recorder.Lease!.Events.ShouldBe(["progress 1/2 half way", "disposed", "released"]);
        recorder.Records.ShouldContain($"{key}:succeeded:attempt 1");
    }

    [Fact]
    public async Task A_leased_task_that_fails_leaves_the_retry_copy_to_the_transport_then_the_lease_goes()
    {
        var recorder = new FakeRecorder();
        await using var provider = Provider(recorder);
        var key = Guid.NewGuid().ToString("N");

        var settlement = await Process(provider, Headers("long.leased", key), Body(key, "fail"), new FakeAcknowledger());

        settlement.Kind.ShouldBe(SettlementKind.RetryAfter);
        settlement.Acknowledged.ShouldBeTrue();
        settlement.Lease.ShouldBeSameAs(recorder.Lease);
        recorder.Lease!.Events.ShouldNotContain("released", "released by the transport once the retry copy is confirmed");
        recorder.Records.ShouldContain($"{key}:retrying:attempt 1");
    }

    [Fact]
    public async Task A_leased_task_cancelled_by_shutdown_expires_its_lease_so_another_worker_sends_it_again()
    {
        var recorder = new FakeRecorder();
        await using var provider = Provider(recorder);
        var key = Guid.NewGuid().ToString("N");
        using var abort = new CancellationTokenSource();

        var running = Process(provider, Headers("long.leased", key), Body(key, "wait"), new FakeAcknowledger(), abort: abort.Token);
        await WaitUntil(() => LongTasks.Seen.ContainsKey(key));
        await abort.CancelAsync();
        var settlement = await running.WaitAsync(TimeSpan.FromSeconds(10));

        settlement.Kind.ShouldBe(SettlementKind.Ack);
        settlement.Acknowledged.ShouldBeTrue();
        recorder.Lease!.Events.ShouldContain("expired");
        recorder.Lease.Events.ShouldNotContain("released");
    }

    [Fact]
    public async Task A_leased_run_that_lost_its_lease_is_skipped_and_does_not_touch_the_new_holders_lease()
    {
        var recorder = new FakeRecorder { LoseLease = true };
        await using var provider = Provider(recorder);
        var key = Guid.NewGuid().ToString("N");

        var settlement = await Process(provider, Headers("long.leased", key), Body(key, "wait"), new FakeAcknowledger());

        settlement.Kind.ShouldBe(SettlementKind.Ack);
        recorder.Lease!.Events.ShouldNotContain("released");
        recorder.Lease.Events.ShouldNotContain("expired");
        recorder.Records.ShouldNotContain(r => r.StartsWith(key + ":failed", StringComparison.Ordinal), "the other worker's run decides the outcome");
    }

    [Fact]
    public async Task A_lease_held_by_another_worker_skips_the_message_without_running_or_acking_early()
    {
        var recorder = new FakeRecorder { LeaseHeldBy = "other:42" };
        var acks = new FakeAcknowledger();
        await using var provider = Provider(recorder);
        var key = Guid.NewGuid().ToString("N");

        var settlement = await Process(provider, Headers("long.leased", key), Body(key, "ok"), acks);

        settlement.Kind.ShouldBe(SettlementKind.Ack, "acked as a duplicate: the live holder runs it");
        settlement.Acknowledged.ShouldBeFalse();
        acks.Acked.ShouldBeEmpty();
        LongTasks.Seen.ContainsKey(key).ShouldBeFalse();
    }

    [Fact]
    public async Task Without_an_early_ack_eager_style_the_same_task_runs_plainly()
    {
        var recorder = new FakeRecorder();
        await using var provider = Provider(recorder);
        var key = Guid.NewGuid().ToString("N");

        var settlement = await Process(provider, Headers("long.leased", key), Body(key, "ok"), acks: null);

        settlement.Acknowledged.ShouldBeFalse();
        recorder.Lease.ShouldBeNull();
        recorder.Runs.ShouldBe(1);
    }

    [Fact]
    public async Task A_copy_of_a_task_still_running_here_is_deferred_not_run_beside_it()
    {
        await using var provider = Provider(NoRecorder());
        var key = Guid.NewGuid().ToString("N");
        var headers = Headers("long.slow", key);
        var body = Encoding.UTF8.GetBytes($$"""[["{{key}}", 1500], {}, {}]""");

        var first = Process(provider, headers, body);
        await WaitUntil(() => LongTasks.Seen.ContainsKey(key));
        var before = DateTimeOffset.UtcNow;
        var copy = await Process(provider, headers, body, redelivered: true);
        await first;

        copy.Kind.ShouldBe(SettlementKind.DeferUntil);
        copy.Until!.Value.ShouldBeInRange(before + TimeSpan.FromSeconds(9), before + TimeSpan.FromSeconds(11));
        copy.Redeliveries.ShouldBe(1, "carried on the deferred copy");
        LongTasks.Seen[key].Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_redelivered_copy_of_a_run_whose_ack_was_lost_is_skipped_here()
    {
        await using var provider = Provider(NoRecorder());
        var processor = provider.GetRequiredService<TaskProcessor>();
        var key = Guid.NewGuid().ToString("N");
        var headers = Headers("long.attempt", key);

        var settlement = await Process(provider, headers, Body(key));
        processor.SettlementLost(key, "long.attempt", settlement);
        var copy = await Process(provider, headers, Body(key), redelivered: true);

        copy.Kind.ShouldBe(SettlementKind.Ack);
        LongTasks.Seen[key].Count.ShouldBe(1, "the copy did not run again");
    }

    [Fact]
    public async Task An_undecodable_message_that_names_a_task_id_is_recorded_dead_lettered()
    {
        var recorder = new FakeRecorder();
        await using var provider = Provider(recorder);
        var id = Guid.NewGuid().ToString("N");

        var settlement = await Process(provider, Headers("long.attempt", id), Encoding.UTF8.GetBytes("not json"));

        settlement.Kind.ShouldBe(SettlementKind.DeadLetter);
        settlement.TaskId.ShouldBe(id);
        settlement.TaskName.ShouldBe("long.attempt");
        recorder.Records.ShouldContain(r => r.StartsWith($"{id}:undecodable:{DeadLetterReason.MalformedBody}: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Progress_without_a_store_goes_nowhere_and_a_checkpoint_says_what_is_missing()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTaskFlow(o => o.Eager = true).AddTaskFlowCoreTestsTasks();
        await using var provider = services.BuildServiceProvider();

        var error = await Should.ThrowAsync<InvalidOperationException>(async () => await provider.GetRequiredService<LongTasks.Client>().UsesCheckpoint.DelayAsync());

        error.Message.ShouldContain("asked for a checkpoint");
        error.Message.ShouldContain("AddStateStore");
    }

    [Fact]
    public void A_long_running_task_without_a_state_store_fails_start_up_unless_allowed()
    {
        var declared = new TaskDescriptor("x.long", null, "M", [], static _ => default) { LongRunning = true };
        var limited = new TaskDescriptor("x.limited", null, "M", [], static _ => default) { TimeLimit = TimeSpan.FromHours(2) };
        var plain = new TaskDescriptor("x.plain", null, "M", [], static _ => default) { TimeLimit = TimeSpan.FromMinutes(5) };

        var refused = new LongRunningTasks(NoStateRecorder.Instance, new TaskFlowOptions(), TimeSpan.FromMinutes(30)).Problems([declared, limited, plain]).ToList();
        var allowed = new LongRunningTasks(NoStateRecorder.Instance, new TaskFlowOptions { AllowLongRunningWithoutStateStore = true }, TimeSpan.FromMinutes(30));

        refused.Count.ShouldBe(2);
        refused[0].ShouldContain("x.long is declared [Task(LongRunning = true)]");
        refused[0].ShouldContain("AddStateStore");
        refused[0].ShouldContain("AllowLongRunningWithoutStateStore");
        refused[1].ShouldContain("longer than the broker's consumer timeout");
        allowed.Problems([declared, limited]).ShouldBeEmpty();
        allowed.AtRisk([declared, limited, plain]).Select(t => t.Name).ShouldBe(["x.limited"], "warned about at start-up");
        new LongRunningTasks(new FakeRecorder(), new TaskFlowOptions(), TimeSpan.FromMinutes(30)).Leased(limited).ShouldBeTrue();
    }

    [Fact]
    public void Copies_sent_round_again_drop_broker_and_client_headers_and_carry_the_redeliveries()
    {
        var original = new BasicProperties
        {
            Headers = new Dictionary<string, object?>
            {
                [MessageHeaders.Id] = "t1",
                [MessageHeaders.DeliveryCount] = 3L,
                [MessageHeaders.PublishSequenceNumber] = 17UL,
                [MessageHeaders.Redeliveries] = 1,
                ["x-death"] = new List<object>(),
            },
        };

        var copy = MessageCopy.Headers(original, redeliveries: 4);

        copy.Keys.OrderBy(k => k, StringComparer.Ordinal).ShouldBe([MessageHeaders.Id, MessageHeaders.Redeliveries]);
        copy[MessageHeaders.Redeliveries].ShouldBe(4);
    }

    private static FakeRecorder NoRecorder() => new() { Active = false };

    private static ServiceProvider Provider(FakeRecorder recorder)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (recorder.Active)
        {
            services.AddSingleton<ITaskStateRecorder>(recorder);
        }

        // A transport whose consumer timeout (1 minute) makes long.leased (time limit 10 minutes) a lease-mode task.
        services.AddSingleton(new TransportRegistration("fake", static _ => TimeSpan.FromMinutes(1)));
        services.AddTaskFlow(o => o.DefaultRetryPolicy = RetryPolicy.None).AddTaskFlowCoreTestsTasks();
        return services.BuildServiceProvider();
    }

    private static Task<Settlement> Process(ServiceProvider provider, Dictionary<string, object?> headers, byte[] body, FakeAcknowledger? acks = null, bool redelivered = false, CancellationToken abort = default) =>
        provider.GetRequiredService<TaskProcessor>().ProcessAsync(headers, "application/json", "utf-8", body, redelivered, "long", MaxDelay, new TaskSlots(4), new EarlyAck(acks, 7), abort).AsTask();

    private static Dictionary<string, object?> Headers(string task, string id, int retries = 0) => new(StringComparer.Ordinal)
    {
        [MessageHeaders.Task] = Encoding.UTF8.GetBytes(task),
        [MessageHeaders.Id] = Encoding.UTF8.GetBytes(id),
        [MessageHeaders.Retries] = retries,
    };

    private static byte[] Body(string key, string? mode = null) =>
        Encoding.UTF8.GetBytes(mode is null ? $$"""[["{{key}}"], {}, {}]""" : $$"""[["{{key}}", "{{mode}}"], {}, {}]""");

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "condition not reached in 10 s");
            await Task.Delay(10);
        }
    }

    private sealed class FakeAcknowledger : IEarlyAcknowledger
    {
        public ConcurrentQueue<ulong> Acked { get; } = new();

        public ValueTask AcknowledgeAsync(ulong deliveryTag)
        {
            Acked.Enqueue(deliveryTag);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A state store as the core sees it: answers from fields, writes what it was asked into <see cref="Records"/>.</summary>
    private sealed class FakeRecorder : ITaskStateRecorder
    {
        public bool Active { get; init; } = true;

        public int PriorAttempts { get; init; }

        public string? LeaseHeldBy { get; init; }

        public bool LoseLease { get; init; }

        public FakeLease? Lease { get; private set; }

        public int Runs { get; private set; }

        public ConcurrentQueue<string> Records { get; } = new();

        public bool IsActive => Active;

        public bool Tracks(string taskName) => true;

        public ValueTask<UniqueHolder?> BeforeSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken) => ValueTask.FromResult<UniqueHolder?>(null);

        public ValueTask AfterSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SendFailedAsync(TaskEnvelope envelope, Exception exception) => ValueTask.CompletedTask;

        public TaskHandle Attach(TaskHandle handle) => handle;

        public ValueTask<PriorRuns> PriorRunsAsync(IncomingTask task, CancellationToken cancellationToken) => ValueTask.FromResult(new PriorRuns(null, PriorAttempts));

        public ValueTask<IRunRecord?> BeginRunAsync(IncomingTask task, string queue, CancellationToken cancellationToken)
        {
            Runs++;
            return ValueTask.FromResult<IRunRecord?>(new FakeLease(lose: false, cancellationToken));
        }

        public ValueTask<LeaseStart> AcquireLeaseAsync(IncomingTask task, string queue, CancellationToken cancellationToken)
        {
            if (LeaseHeldBy is { } holder)
            {
                return ValueTask.FromResult(new LeaseStart(null, "running under a lease held by " + holder, 0));
            }

            Lease = new FakeLease(LoseLease, cancellationToken);
            return ValueTask.FromResult(new LeaseStart(Lease, null, task.Attempt));
        }

        public ValueTask RecordAsync(IncomingTask task, string queue, TaskDescriptor? descriptor, StateRecord record, object? result)
        {
            Records.Enqueue($"{task.Id}:{record.State.ToWireName()}:attempt {task.Attempt}");
            return ValueTask.CompletedTask;
        }

        public ValueTask RecordUndecodableAsync(string taskId, string? taskName, string queue, string error)
        {
            Records.Enqueue($"{taskId}:undecodable:{error}");
            return ValueTask.CompletedTask;
        }

        public ValueTask<ReopenResult> ReopenAsync(IncomingTask task, CancellationToken cancellationToken) => ValueTask.FromResult(ReopenResult.Reopened);

        public void Skipped(IncomingTask task, string detail) => Records.Enqueue($"{task.Id}:skipped:{detail}");
    }

    private sealed class FakeLease : ILeasedRun
    {
        private readonly CancellationTokenSource _cancellation;

        public FakeLease(bool lose, CancellationToken token)
        {
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(token);
            if (lose)
            {
                // The heartbeat finds another holder shortly after the start: fenced.
                _ = Task.Delay(100, CancellationToken.None).ContinueWith(_ =>
                {
                    Lost = true;
                    _cancellation.Cancel();
                }, TaskScheduler.Default);
            }
        }

        public ConcurrentQueue<string> Events { get; } = new();

        public bool Lost { get; private set; }

        public CancellationToken Cancellation => _cancellation.Token;

        public bool Revoked => false;

        public ValueTask<DbTransaction> GetTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<bool?> CommitWorkAsync(object? result, TaskDescriptor task) => ValueTask.FromResult<bool?>(null);

        public ValueTask ReportProgressAsync(TaskProgress progress, CancellationToken cancellationToken)
        {
            Events.Enqueue($"progress {progress.Done}/{progress.Total} {progress.Message}");
            return ValueTask.CompletedTask;
        }

        public ValueTask SaveCheckpointAsync(string json, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<string?> LoadCheckpointAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);

        public ValueTask ReleaseAsync()
        {
            Events.Enqueue("released");
            return ValueTask.CompletedTask;
        }

        public ValueTask ExpireAsync()
        {
            Events.Enqueue("expired");
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            Events.Enqueue("disposed");
            return ValueTask.CompletedTask;
        }
    }
}
