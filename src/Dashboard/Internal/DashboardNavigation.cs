using System.Collections.Generic;

namespace TaskFlow.Dashboard.Internal;

/// <summary>One entry of the navigation bar.</summary>
/// <param name="Key">The page's key (<c>data-page</c> of the body).</param>
/// <param name="Title">Its title.</param>
/// <param name="Path">Its path under the dashboard's root.</param>
internal sealed record NavigationItem(string Key, string Title, string Path);

/// <summary>The navigation bar: one line per page. Schedules and workflows have their slot; their pages come with those features.</summary>
internal static class DashboardNavigation
{
    public static IReadOnlyList<NavigationItem> Items { get; } =
    [
        new("overview", "Overview", "/"),
        new("queues", "Queues", "/queues"),
        new("workers", "Workers", "/workers"),
        new("tasks", "Tasks", "/tasks"),
        new("dead", "Dead letters", "/dead"),
        new("entities", "Entities", "/entities"),
        new("schedules", "Schedules", "/schedules"),
        new("workflows", "Workflows", "/workflows"),
        new("audit", "Audit log", "/audit"),
    ];
}
