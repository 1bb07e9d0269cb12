using System;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>One state write: the row the upsert sends. Property names are the SQL parameter names.</summary>
internal sealed class StateWrite
{
    public required string TaskId { get; init; }

    public string? TaskName { get; init; }

    public string? Queue { get; init; }

    public int State { get; set; }

    public string? EntityKey { get; set; }

    public int Attempts { get; set; }

    public string? Worker { get; set; }

    public string? Result { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset Now { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Completed when the write is committed (for writes the caller waits for). Not a SQL parameter: Dapper skips it.</summary>
    public TaskCompletionSource? Committed { get; set; }

    /// <summary>Folds a later write of the same task into this one (one upsert per task per batch).</summary>
    public void Merge(StateWrite later)
    {
        if (State >= 10 && later.State < 10)
        {
            return; // a final state is never moved back
        }

        if (later.State == 0 && State != 0)
        {
            EntityKey ??= later.EntityKey;
            return;
        }

        State = later.State;
        EntityKey ??= later.EntityKey;
        Attempts = Math.Max(Attempts, later.Attempts);
        Worker = later.Worker ?? Worker;
        Result = later.Result;
        Error = later.Error ?? Error;
        Now = later.Now;
        StartedAt = later.StartedAt ?? StartedAt;
        CompletedAt = later.CompletedAt;
        ExpiresAt = later.ExpiresAt;
    }
}
