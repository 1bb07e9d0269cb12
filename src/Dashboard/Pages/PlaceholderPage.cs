using TaskFlow.Dashboard.Internal;

namespace TaskFlow.Dashboard.Pages;

/// <summary>The navigation's slot for a page that comes with a later feature (schedules, workflows).</summary>
internal static class PlaceholderPage
{
    public static PageContent Render(string key, string title, string text) =>
        new(key, title, $"<h1>{Html.E(title)}</h1>{Layout.Unavailable(text)}");
}
