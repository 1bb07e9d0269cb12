using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using TaskFlow.TestSupport;

namespace TaskFlow.State.Tests;

/// <summary>The worker process of the kill tests: <c>dotnet TaskFlow.State.Worker.dll</c>, its output captured line by line.</summary>
public static class WorkerProcess
{
    /// <summary>Starts a worker on <paramref name="queue"/> with its store in <paramref name="schema"/> and waits until it consumes.</summary>
    /// <param name="schema">The state store's schema.</param>
    /// <param name="queue">The queue it consumes.</param>
    /// <param name="mode">normal, kill-after-commit or kill-in-work (see Worker/Program.cs).</param>
    /// <param name="extra">More environment variables (e.g. TASKFLOW_STATE_CONCURRENCY, TASKFLOW_STATE_LEASE_MS).</param>
    public static async Task<ChildProcess> StartAsync(string schema, string queue, string mode, IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["TASKFLOW_STATE_PG"] = TestEnvironment.PostgresConnectionString,
            ["TASKFLOW_STATE_SCHEMA"] = schema,
            ["TASKFLOW_STATE_QUEUE"] = queue,
            ["TASKFLOW_STATE_MODE"] = mode,
            ["TASKFLOW_TEST_AMQP"] = TestEnvironment.BrokerUri.ToString(),
            ["TASKFLOW_STATE_HEARTBEAT_MS"] = "300",
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        var worker = ChildProcess.Start(
            Dotnet.StartInfo([Dotnet.AppNextToTests("TaskFlow.State.Worker.dll")], AppContext.BaseDirectory, environment),
            $"the state worker ({mode})");
        try
        {
            await worker.WaitForLineAsync("WORKER-READY", TimeSpan.FromSeconds(60));
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }

        return worker;
    }
}
