namespace TaskFlow;

/// <summary>
/// The names TaskFlow's traces and metrics are published under (System.Diagnostics; no OpenTelemetry package needed):
/// one <see cref="System.Diagnostics.ActivitySource"/> and one <see cref="System.Diagnostics.Metrics.Meter"/>, both
/// named <see cref="Name"/>. With OpenTelemetry: <c>.WithTracing(t => t.AddSource(TaskFlowTelemetry.Name))</c> and
/// <c>.WithMetrics(m => m.AddMeter(TaskFlowTelemetry.Name))</c>. Spans, instruments and attributes: docs/telemetry.md.
/// </summary>
public static class TaskFlowTelemetry
{
    /// <summary>"TaskFlow": the name of the activity source and of the meter.</summary>
    public const string Name = "TaskFlow";
}
