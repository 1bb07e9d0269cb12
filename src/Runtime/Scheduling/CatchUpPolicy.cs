namespace TaskFlow.Scheduling;

/// <summary>
/// What a schedule does with fires it missed while no scheduler ran (downtime, a paused process...): a fire is
/// missed when the scheduler sees it more than <see cref="SchedulerOptions.MisfireThreshold"/> after its time.
/// Fires seen within the threshold (for example after a lease takeover) are on time and always sent.
/// </summary>
public enum CatchUpPolicy
{
    /// <summary>All missed fires together run once, at the time of the latest of them. The default (Celery beat's and Hangfire's behaviour).</summary>
    RunOnce = 0,

    /// <summary>Missed fires are dropped; the schedule goes on with its next fire.</summary>
    Skip = 1,

    /// <summary>Every missed fire within <see cref="ScheduleDefinition.CatchUpWindow"/> before now runs, in order (older ones are dropped).</summary>
    RunAll = 2,
}
