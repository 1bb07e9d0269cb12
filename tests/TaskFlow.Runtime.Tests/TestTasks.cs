using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Runtime.Tests;

/// <summary>Tasks the runtime tests send through a real broker. Each test uses its own queues.</summary>
public static partial class TestTasks
{
    [Task(Name = "tests.record")]
    public static void Record(string key, int value, [FromServices] Recorder recorder) =>
        recorder.Add(key, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Task(Name = "tests.fail")]
    public static Task Fail(string message) => throw new InvalidOperationException(message);

    [Task(Name = "tests.slow")]
    public static async Task Slow(string key, int milliseconds, [FromServices] Recorder recorder, CancellationToken cancellationToken)
    {
        using (recorder.Enter())
        {
            await Task.Delay(milliseconds, cancellationToken);
        }

        recorder.Add(key, "done");
    }

    [Task(Name = "tests.busy")]
    public static void Busy(string key, int milliseconds, [FromServices] Recorder recorder)
    {
        // Synchronous, CPU-bound work (no await anywhere): it holds its thread for the whole run.
        using (recorder.Enter())
        {
            var until = System.Diagnostics.Stopwatch.GetTimestamp() + (milliseconds * System.Diagnostics.Stopwatch.Frequency / 1000);
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
            {
                Thread.SpinWait(100);
            }
        }

        recorder.Add(key, "done");
    }

    [Task(Name = "tests.greet")]
    public static string Greet(string firstName, int? age, List<string> tags, [FromServices] Recorder recorder, TaskContext context)
    {
        var text = $"{firstName}|{age?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}|{string.Join(",", tags)}|{context.TaskId}|{context.Attempt}|{context.Queue}";
        recorder.Add("greet", text);
        return text;
    }

    [Task(Name = "tests.store_profile")]
    public static void StoreProfile(Profile profile, [FromServices] Recorder recorder) => recorder.Add("profile", profile.Name);

    [Task(Name = "tests.store_callback")]
    public static void StoreCallback(CallbackHolder holder, [FromServices] Recorder recorder) => recorder.Add("callback", holder.Name);

    [Task(Name = "tests.store_sealed")]
    public static void StoreSealed(ReadOnlyThing thing, [FromServices] Recorder recorder) => recorder.Add("sealed", thing.ToString());
}

/// <summary>A plain DTO: serializes fine.</summary>
public sealed record Profile(string Name, int Age);

/// <summary>Holds a delegate: System.Text.Json cannot serialize it.</summary>
public sealed class CallbackHolder
{
    public string Name { get; set; } = string.Empty;

    public Action? OnDone { get; set; }
}

/// <summary>Serializes (public getter) but cannot be rebuilt: its only constructor's parameter matches no property.</summary>
public sealed class ReadOnlyThing
{
    public ReadOnlyThing(int seed)
    {
        Value = seed * 2;
    }

    public int Value { get; }

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Tasks for retries, delays and time limits.</summary>
public static partial class DeliveryTasks
{
    [Task(Name = "tests.flaky")]
    public static void Flaky(string key, int failures, [FromServices] Recorder recorder, TaskContext context)
    {
        recorder.Add(key + ":attempt", $"{context.Attempt}|{context.TaskId}");
        if (context.Retries < failures)
        {
            throw new TimeoutException($"attempt {context.Attempt} of {key} failed");
        }

        recorder.Add(key, "done");
    }

    [Task(Name = "tests.not_retryable")]
    public static void NotRetryable(string key, [FromServices] Recorder recorder)
    {
        recorder.Add(key + ":attempt", "x");
        throw new ArgumentException("bad input never gets better");
    }

    [Task(Name = "tests.ask_retry")]
    public static void AskRetry(string key, int times, [FromServices] Recorder recorder, TaskContext context)
    {
        recorder.Add(key + ":attempt", context.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (context.Retries < times)
        {
            throw context.Retry(TimeSpan.FromMilliseconds(200));
        }

        recorder.Add(key, "done");
    }

    [Task(Name = "tests.urgent", Priority = 9)]
    public static void Urgent(string key, [FromServices] Recorder recorder) => recorder.Add(key, "urgent");

    [Task(Name = "tests.stamp")]
    public static void Stamp(string key, [FromServices] Recorder recorder) =>
        recorder.Add(key, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Task(Name = "tests.sleepy")]
    public static async Task Sleepy(string key, int milliseconds, [FromServices] Recorder recorder, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(milliseconds, cancellationToken);
            recorder.Add(key, "finished");
        }
        catch (OperationCanceledException)
        {
            recorder.Add(key, "cancelled");
            throw;
        }
    }

    [Task(Name = "tests.attribute_retry")]
    [Retry(2, DelaySeconds = 0.05, Jitter = false, DoNotRetryOn = new[] { typeof(ArgumentException) })]
    public static void AttributeRetry(string key, bool badInput, [FromServices] Recorder recorder, TaskContext context)
    {
        recorder.Add(key + ":attempt", context.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (badInput)
        {
            throw new ArgumentException("not retried: listed in DoNotRetryOn");
        }

        if (context.Retries < 1)
        {
            throw new TimeoutException("first attempt fails");
        }

        recorder.Add(key, "done");
    }

    [Task(Name = "tests.attribute_soft_limit", SoftTimeLimitSeconds = 0.2)]
    public static async Task AttributeSoftLimit(string key, [FromServices] Recorder recorder, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(10_000, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            recorder.Add(key, "cancelled by the soft limit");
            throw;
        }
    }

    [Task(Name = "tests.stubborn")]
    public static async Task Stubborn(string key, int milliseconds, [FromServices] Recorder recorder)
    {
        recorder.Add(key + ":started", "x");
        await Task.Delay(milliseconds); // ignores cancellation on purpose
        recorder.Add(key + ":finished-late", "x");
    }
}
