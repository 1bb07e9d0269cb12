using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Core.Tests;

/// <summary>Tasks of the telemetry tests only (their names keep the process-wide metrics of other tests out of the counts).</summary>
public static partial class TelemetryTasks
{
    /// <summary>What each lineage child saw: its parent and root ids, by key.</summary>
    public static readonly ConcurrentDictionary<string, (string Id, string? Parent, string? Root)> Lineage = new(StringComparer.Ordinal);

    /// <summary>Attempts per key.</summary>
    public static readonly ConcurrentDictionary<string, int> Attempts = new(StringComparer.Ordinal);

    [Task(Name = "telemetry.ok", Queue = "telemetry")]
    public static int Ok(int value) => value;

    [Task(Name = "telemetry.flaky", Queue = "telemetry")]
    [Retry(3, DelaySeconds = 60, Jitter = false)]
    public static void Flaky(string key, int failures)
    {
        if (Attempts.AddOrUpdate(key, 1, static (_, n) => n + 1) <= failures)
        {
            throw new TimeoutException("flaky " + key);
        }
    }

    /// <summary>Too frequent to log each run: no summary line.</summary>
    [Task(Name = "telemetry.quiet", Queue = "telemetry", LogSummary = false)]
    public static int Quiet(int value) => value;

    [Task(Name = "telemetry.fail", Queue = "telemetry")]
    public static void Fail(string message) => throw new InvalidOperationException(message);

    /// <summary>Sends <see cref="Child"/> from inside itself, with no ids given: the runtime fills them in.</summary>
    [Task(Name = "telemetry.parent", Queue = "telemetry")]
    public static async Task<string> Parent(string key, [FromServices] Client tasks)
    {
        var child = await tasks.Child.DelayAsync(key);
        return child.Id;
    }

    [Task(Name = "telemetry.child", Queue = "telemetry")]
    public static void Child(string key, TaskContext context) => Lineage[key] = (context.TaskId, context.ParentId, context.RootId);

    /// <summary>Logs one line through the application's own logger.</summary>
    [Task(Name = "telemetry.logs", Queue = "telemetry")]
    public static void Logs(string text, [FromServices] ILogger<Client> logger) => TaskSays(logger, text);

    [LoggerMessage(1, LogLevel.Information, "task says {Text}")]
    private static partial void TaskSays(ILogger logger, string text);
}
