using Microsoft.Extensions.Time.Testing;

namespace TaskFlow.Testing;

/// <summary>How <c>AddTaskFlowTestHarness</c> sets the harness up.</summary>
public sealed class TaskFlowTestHarnessOptions
{
    /// <summary>
    /// Keep the configured transport (<c>UseRabbitMq</c>) and worker: the harness only records what is sent (after the
    /// broker confirmed it) and follows what the worker does through TaskFlow's telemetry, for tracked sessions
    /// (<see cref="TaskFlowTestHarness.Track"/>) against a real broker. The run methods and the fake clock are then unavailable.
    /// </summary>
    /// <value>Default <c>false</c>: in-process, no broker; nothing runs until the test runs it.</value>
    public bool UseTransport { get; set; }

    /// <summary>
    /// The clock of the in-process harness, which becomes the service provider's <see cref="System.TimeProvider"/>.
    /// Default: the registered one when it is a <see cref="FakeTimeProvider"/>, else a new one starting at the current time.
    /// </summary>
    public FakeTimeProvider? TimeProvider { get; set; }

    /// <summary>
    /// The most runs one <see cref="TaskFlowTestHarness.RunUntilIdleAsync"/> makes before it gives up (a task that sends
    /// itself again and again would never be idle).
    /// </summary>
    /// <value>Default 10,000.</value>
    public int MaxRunsUntilIdle { get; set; } = 10_000;
}
