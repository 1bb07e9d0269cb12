using System;

namespace TaskFlow.Dashboard;

/// <summary>Options of the dashboard (<see cref="DashboardServiceCollectionExtensions.AddTaskFlowDashboard(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{TaskFlowDashboardOptions}?)"/>).</summary>
public sealed class TaskFlowDashboardOptions
{
    /// <summary>Shows everything and offers no action (re-drive, discard, revoke, purge): buttons are not rendered and action POSTs are refused (403).</summary>
    /// <value>Default <c>false</c>.</value>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// The authorization policy a user must satisfy to act; users who do not see the dashboard read-only. Viewing is
    /// guarded by the endpoints' own authorization (<c>MapTaskFlowDashboard(...).RequireAuthorization(...)</c>).
    /// </summary>
    /// <value>Default <c>null</c>: whoever may view may act (unless <see cref="ReadOnly"/>).</value>
    public string? ActionsPolicy { get; set; }

    /// <summary>How often the live-update stream checks for changes to push to open pages.</summary>
    /// <value>Default 2 seconds; from 250 ms to 1 minute.</value>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How many dead letters per queue the dead-letter page reads (each read browses the head of the queue).</summary>
    /// <value>Default 500; from 1 to 10,000.</value>
    public int MaxDeadLettersShown { get; set; } = 500;

    /// <summary>The page title's prefix, e.g. the environment's name.</summary>
    /// <value>Default <c>TaskFlow</c>.</value>
    public string Title { get; set; } = "TaskFlow";

    internal void Validate()
    {
        if (RefreshInterval < TimeSpan.FromMilliseconds(250) || RefreshInterval > TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException($"TaskFlow dashboard: RefreshInterval must be between 250 ms and 1 minute (was {RefreshInterval}); set TaskFlowDashboardOptions.RefreshInterval.");
        }

        if (MaxDeadLettersShown is < 1 or > 10_000)
        {
            throw new InvalidOperationException($"TaskFlow dashboard: MaxDeadLettersShown must be between 1 and 10,000 (was {MaxDeadLettersShown}); set TaskFlowDashboardOptions.MaxDeadLettersShown.");
        }
    }
}
