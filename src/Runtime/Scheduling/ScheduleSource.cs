namespace TaskFlow.Scheduling;

/// <summary>Where a schedule was defined.</summary>
public enum ScheduleSource
{
    /// <summary>Declared in code (<see cref="PeriodicAttribute"/> or <c>AddSchedule</c>): upserted by every scheduler at start-up.</summary>
    Code = 0,

    /// <summary>Added at run time through <see cref="ISchedules"/> or <c>taskflow schedules add</c>.</summary>
    Runtime = 1,
}
