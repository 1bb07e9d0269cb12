namespace TaskFlow.State.Internal;

/// <summary>What the idempotency check reads of a task: its state and the runs counted so far.</summary>
internal readonly record struct KnownState(TaskState State, int Attempts);
