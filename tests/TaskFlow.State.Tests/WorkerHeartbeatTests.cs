using System;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using Xunit;
using TaskFlow.TestSupport;

namespace TaskFlow.State.Tests;

/// <summary>Workers record themselves in the store: running ones are seen, a stopped one says so, a killed one is reported lost.</summary>
public sealed class WorkerHeartbeatTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Running_stopped_and_killed_workers_are_told_apart(string name)
    {
        // The reader's interval decides "lost" (three of them without a heartbeat): 1 s, so CI's load cannot make this test's
        // own workers look lost; the worker process beats every 300 ms.
        await using var host = await StateHost.StartAsync(name, configure: o => o.WorkerHeartbeatInterval = TimeSpan.FromSeconds(1), workerName: "in-process-a");

        // Running: this test's worker, with what it consumes.
        await Eventually.UntilAsync(async () => (await host.Store.GetWorkersAsync()).Any(w => w.Name == "in-process-a"), Timeout, "the worker recorded itself");
        var running = (await host.Store.GetWorkersAsync()).Single(w => w.Name == "in-process-a");
        running.Status.ShouldBe(WorkerStatus.Running);
        running.Host.ShouldBe(Environment.MachineName);
        running.ProcessId.ShouldBe(Environment.ProcessId);
        running.Queues.ShouldBe([host.Queue]);
        running.Concurrency.ShouldBe(4);
        running.StoppedAt.ShouldBeNull();

        // Stopped: a second worker on the same store, stopped gracefully.
        var other = await StateHost.StartAsync(name, schema: host.Schema, queue: host.Queue + "-b", configure: o => o.WorkerHeartbeatInterval = TimeSpan.FromSeconds(1), workerName: "in-process-b");
        await Eventually.UntilAsync(async () => (await host.Store.GetWorkersAsync()).Any(w => w.Name == "in-process-b"), Timeout, "the second worker recorded itself");
        await other.DisposeAsync();
        var stopped = (await host.Store.GetWorkersAsync()).Single(w => w.Name == "in-process-b");
        stopped.Status.ShouldBe(WorkerStatus.Stopped);
        stopped.StoppedAt.ShouldNotBeNull();

        // Lost: a worker process killed with SIGKILL (lost after 3 s without a heartbeat).
        var child = await WorkerProcess.StartAsync(host.Schema, host.Queue + "-c", "normal");
        await using (child)
        {
            await Eventually.UntilAsync(async () => (await host.Store.GetWorkersAsync()).Any(w => w.ProcessId == child.Id && w.Status == WorkerStatus.Running), Timeout, "the worker process recorded itself");
            child.Kill();
            var killedAt = DateTime.UtcNow;
            await Eventually.UntilAsync(async () => (await host.Store.GetWorkersAsync()).Single(w => w.ProcessId == child.Id).Status == WorkerStatus.Lost, Timeout, "the killed worker is reported lost");
            (DateTime.UtcNow - killedAt).ShouldBeLessThan(TimeSpan.FromSeconds(8), "3 s without a heartbeat, read within a poll");
        }

        (await host.Store.GetWorkersAsync()).Single(w => w.Name == "in-process-a").Status.ShouldBe(WorkerStatus.Running, "heartbeats go on");
    }
}
