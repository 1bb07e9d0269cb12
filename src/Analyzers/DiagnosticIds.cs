namespace TaskFlow.Analyzers;

/// <summary>
/// The ids of the diagnostics reported by the TaskFlow analyzers. TF0001-TF0999 belong to the generator; the
/// analyzers use TF1001 and up. An id is never renumbered or reused; each has a page at
/// <c>docs/analyzers/{Id}.md</c>.
/// </summary>
internal static class DiagnosticIds
{
    public const string EntityParameter = "TF1001";
    public const string ParameterCannotBeSent = "TF1002";
    public const string EnqueueNotAwaited = "TF1003";
    public const string EnqueueInsideTransaction = "TF1004";
    public const string BlockingCallInTask = "TF1005";
    public const string StaticStateWrittenByTask = "TF1006";
    public const string RiskyRetryPolicy = "TF1007";
    public const string EntityPassedWhenEnqueueing = "TF1008";
    public const string InjectedTypeIsNotAService = "TF1009";
    public const string TimeLimitNotObservable = "TF1010";
    public const string EnqueueOptionsCannotBeHonored = "TF1011";
    public const string RetryNotThrown = "TF1012";

    /// <summary>A <c>[Periodic]</c> schedule that cannot be scheduled (cron, interval, time zone, arguments).</summary>
    public const string InvalidPeriodicSchedule = "TF1013";
}
