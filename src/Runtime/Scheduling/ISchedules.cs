using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Scheduling;

/// <summary>
/// The schedules in the state store, editable at run time (registered by <c>AddStateStore</c>; what
/// <c>taskflow schedules</c> uses). Changes take effect at the active scheduler's next tick, whichever process it runs in.
/// </summary>
public interface ISchedules
{
    /// <summary>Every schedule, by name.</summary>
    Task<IReadOnlyList<ScheduleInfo>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>One schedule, or <see langword="null"/> when there is none of that name.</summary>
    Task<ScheduleInfo?> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The latest fires of a schedule, newest first (at most <paramref name="limit"/>, 1 to 1,000).</summary>
    Task<IReadOnlyList<ScheduleFire>> GetFiresAsync(string name, int limit = 50, CancellationToken cancellationToken = default);

    /// <summary>Adds a schedule (source <see cref="ScheduleSource.Runtime"/>); its first fire is the first of its timing after now.</summary>
    /// <exception cref="System.ArgumentException">The definition is invalid (the message says what to change).</exception>
    /// <exception cref="System.InvalidOperationException">A schedule of that name exists.</exception>
    Task<ScheduleInfo> AddAsync(ScheduleDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces a schedule's definition (task, arguments, timing, policies); when the timing changed, its next fire is
    /// the first of the new timing after now. A schedule declared in code gets its code definition back at the next
    /// scheduler start: change the code for a lasting change, or pause it.
    /// </summary>
    /// <exception cref="System.ArgumentException">The definition is invalid.</exception>
    /// <exception cref="System.InvalidOperationException">There is no schedule of that name.</exception>
    Task<ScheduleInfo> UpdateAsync(ScheduleDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>Pauses a schedule: nothing fires until it is resumed (also across restarts and code upserts). <see langword="false"/>: no such schedule.</summary>
    Task<bool> PauseAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Resumes a paused schedule from now: fires missed while paused are not caught up. <see langword="false"/>: no such schedule.</summary>
    Task<bool> ResumeAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Deletes a schedule and its fire history. A schedule declared in code comes back at the next scheduler start. <see langword="false"/>: no such schedule.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends the schedule's task now, through the outbox, whatever its overlap policy and even when paused, and makes it
    /// the schedule's last fire (the one the overlap policy checks). Needs no running scheduler.
    /// </summary>
    /// <exception cref="System.InvalidOperationException">There is no schedule of that name.</exception>
    Task<ScheduleFire> TriggerAsync(string name, CancellationToken cancellationToken = default);
}
