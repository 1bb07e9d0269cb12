using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.Core;
using TaskFlow.Infrastructure;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>
/// An unexpected error in TaskFlow's own processing of a delivery (before the task runs: here the state store's
/// idempotency read throwing) must not leave the message unacked on the channel until it closes, which in a healthy
/// worker may be never (CI once saw 50 re-driven tasks held that way): it is handed back, counted toward the delivery
/// limit, so a passing error is retried and one that always fails ends dead-lettered.
/// </summary>
public sealed class DeliveryFailureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_delivery_whose_processing_throws_once_is_handed_back_and_runs_once()
    {
        var store = new ThrowingRecorder(failuresPerTask: 1);
        await using var worker = await TaskFlowTestHost.StartAsync(concurrency: 2, services: s => s.AddSingleton<ITaskStateRecorder>(store));
        var watch = Stopwatch.StartNew();
        var handle = await worker.Tasks.Record.DelayAsync("handed-back", 7);

        await worker.Recorder.WaitForAsync(1, Timeout);
        var ranAfter = watch.Elapsed;
        await Task.Delay(1500); // a second run, were there one, would show here
        worker.Recorder.Records.Count(r => r.Key == "handed-back").ShouldBe(1, "the task ran once, on its second delivery");
        store.Calls[handle.Id].ShouldBe(2, "read once on the delivery that failed, once on the one handed back");
        ranAfter.ShouldBeGreaterThan(AmqpQueueConsumerPause() - TimeSpan.FromMilliseconds(100), "the failed delivery was held for the pause before it went back");
    }

    [Fact]
    public async Task A_delivery_whose_processing_always_throws_ends_dead_lettered_at_the_delivery_limit()
    {
        var store = new ThrowingRecorder(failuresPerTask: int.MaxValue);
        await using var worker = await TaskFlowTestHost.StartAsync(concurrency: 2, services: s => s.AddSingleton<ITaskStateRecorder>(store), rabbit: o => o.DeliveryLimit = 2);
        var handle = await worker.Tasks.Record.DelayAsync("always-failing", 7);

        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var dead = await Broker.DrainAsync(channel, worker.Options.DeadLetterQueueOf(worker.Queue), 1, Timeout);
        Broker.Header(dead[0], "id").ShouldBe(handle.Id);
        worker.Recorder.Records.ShouldBeEmpty("the task never ran");
        store.Calls[handle.Id].ShouldBe(3, "delivered three times (delivery limit 2), each handed back, then dead-lettered by the broker");
    }

    private static TimeSpan AmqpQueueConsumerPause() => TaskFlow.RabbitMq.Internal.AmqpQueueConsumer.FailedDeliveryPause;

    /// <summary>A state store whose idempotency read throws the first <c>failuresPerTask</c> times for each task.</summary>
    private sealed class ThrowingRecorder(int failuresPerTask) : ITaskStateRecorder
    {
        public ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

        public bool IsActive => true;

        public bool Tracks(string taskName) => true;

        public ValueTask<PriorRuns> PriorRunsAsync(IncomingTask task, CancellationToken cancellationToken)
        {
            var call = Calls.AddOrUpdate(task.Id, 1, static (_, n) => n + 1);
            return call <= failuresPerTask
                ? throw new InvalidOperationException($"the store failed on purpose (call {call})")
                : ValueTask.FromResult(PriorRuns.None);
        }

        public ValueTask<UniqueHolder?> BeforeSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken) => ValueTask.FromResult<UniqueHolder?>(null);

        public ValueTask AfterSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SendFailedAsync(TaskEnvelope envelope, Exception exception) => ValueTask.CompletedTask;

        public TaskHandle Attach(TaskHandle handle) => handle;

        public ValueTask<IRunRecord?> BeginRunAsync(IncomingTask task, string queue, CancellationToken cancellationToken) => ValueTask.FromResult<IRunRecord?>(null);

        public ValueTask<LeaseStart> AcquireLeaseAsync(IncomingTask task, string queue, CancellationToken cancellationToken) =>
            throw new NotSupportedException("no lease-mode task here");

        public ValueTask RecordAsync(IncomingTask task, string queue, TaskDescriptor? descriptor, StateRecord record, object? result) => ValueTask.CompletedTask;

        public ValueTask RecordUndecodableAsync(string taskId, string? taskName, string queue, string error) => ValueTask.CompletedTask;

        public ValueTask<ReopenResult> ReopenAsync(IncomingTask task, CancellationToken cancellationToken) => ValueTask.FromResult(ReopenResult.Reopened);

        public void Skipped(IncomingTask task, string detail)
        {
        }
    }
}
