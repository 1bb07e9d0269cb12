using System;
using System.Runtime.CompilerServices;

namespace TaskFlow.State.Worker;

/// <summary>The tasks of the attempt tests (<c>task_attempt</c>, schema version 13).</summary>
public static partial class StateTasks
{
    /// <summary>Fails on its first two runs (each retried after 50 ms), then succeeds with its attempt number.</summary>
    [Task(Name = "state_tests.fail_twice")]
    [Retry(3, DelaySeconds = 0.05, Backoff = RetryBackoff.Fixed, Jitter = false)]
    public static int FailTwice(string key, TaskContext context)
    {
        Count(key);
        if (Runs[key] <= 2)
        {
            ThrowFromHelper(key, Runs[key]);
        }

        return context.Attempt;
    }

    /// <summary>Always fails with an inner exception (retried twice after 50 ms, then failed and dead-lettered).</summary>
    [Task(Name = "state_tests.always_fail")]
    [Retry(2, DelaySeconds = 0.05, Backoff = RetryBackoff.Fixed, Jitter = false)]
    public static void AlwaysFail(string key)
    {
        Count(key);
        try
        {
            ThrowFromHelper(key, Runs[key]);
        }
        catch (InvalidOperationException ex)
        {
            throw new AttemptFailedException("run " + Runs[key] + " of " + key + " failed", ex);
        }
    }

    /// <summary>A frame of its own, so that the stored stack names it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowFromHelper(string key, int run) =>
        throw new InvalidOperationException($"attempt helper failed on run {run} of {key}");
}

/// <summary>The outer exception of <see cref="StateTasks.AlwaysFail"/>.</summary>
public sealed class AttemptFailedException(string message, Exception inner) : Exception(message, inner);
