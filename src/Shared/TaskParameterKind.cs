namespace TaskFlow.Shared;

/// <summary>How the worker supplies a task parameter (<see cref="TaskParameterRules.Classify"/>).</summary>
internal enum TaskParameterKind
{
    /// <summary>A message argument, serialized by the sender and bound by position or keyword.</summary>
    Argument,

    /// <summary>A service resolved from the task's DI scope.</summary>
    Service,

    /// <summary>The task's <c>TaskContext</c>.</summary>
    Context,

    /// <summary>The task's cancellation token.</summary>
    CancellationToken,
}
