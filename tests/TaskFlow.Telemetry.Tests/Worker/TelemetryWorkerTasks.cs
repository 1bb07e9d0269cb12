using System;
using System.Collections.Concurrent;

namespace TaskFlow.Telemetry.Worker;

/// <summary>The tasks of the telemetry tests: one that succeeds, one that fails a given number of times, one that always fails.</summary>
public static partial class TelemetryWorkerTasks
{
    private static readonly ConcurrentDictionary<string, int> Attempts = new(StringComparer.Ordinal);

    [Task(Name = "telemetry_tests.greet")]
    public static string Greet(string name) => "hello " + name;

    [Task(Name = "telemetry_tests.flaky")]
    public static void Flaky(string key, int failures)
    {
        if (Attempts.AddOrUpdate(key, 1, static (_, n) => n + 1) <= failures)
        {
            throw new TimeoutException("flaky " + key);
        }
    }

    [Task(Name = "telemetry_tests.fail")]
    public static void Fail(string message) => throw new InvalidOperationException(message);
}
