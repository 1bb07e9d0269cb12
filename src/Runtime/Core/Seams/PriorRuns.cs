namespace TaskFlow.Core;

/// <summary>What the state store knows of a task before it runs (<see cref="ITaskStateRecorder.PriorRunsAsync"/>).</summary>
/// <param name="FinalState">The wire name of its state when that is final (the message is skipped), else <c>null</c>.</param>
/// <param name="Attempts">Runs counted so far (0 when the store knows nothing).</param>
/// <param name="Known">Whether the store has a record of the task at all.</param>
internal readonly record struct PriorRuns(string? FinalState, int Attempts, bool Known = false)
{
    public static PriorRuns None => default;
}
