using System.Text;

namespace TaskFlow.Dashboard.Internal;

/// <summary>The page shell: head, navigation bar, live-update indicator, the page's main part, the script.</summary>
internal static class Layout
{
    public static string Render(DashboardRequest r, PageContent page)
    {
        var html = new StringBuilder(page.Main.Length + 2048);
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<link rel=\"icon\" href=\"data:,\">")
            .Append("<title>").Append(Html.E(page.Title)).Append(" · ").Append(Html.E(r.Options.Title)).Append("</title>")
            .Append("<link rel=\"stylesheet\" href=\"").Append(r.Url("/assets/dashboard.css")).Append("?v=").Append(DashboardAssets.Version).Append("\">")
            .Append("</head><body data-page=\"").Append(page.Key).Append("\" data-events=\"").Append(r.Url("/events")).Append("\">")
            .Append("<header><a class=\"brand\" href=\"").Append(r.Url("/")).Append("\">").Append(Html.E(r.Options.Title)).Append("</a><nav>");
        foreach (var item in DashboardNavigation.Items)
        {
            html.Append("<a href=\"").Append(r.Url(item.Path)).Append('"')
                .Append(item.Key == page.Key ? " class=\"current\" aria-current=\"page\"" : "")
                .Append(" data-nav=\"").Append(item.Key).Append("\">").Append(Html.E(item.Title)).Append("</a>");
        }

        html.Append("</nav><span class=\"badges\">");
        if (!r.CanAct)
        {
            html.Append("<span class=\"badge readonly\" title=\"Actions are off for you\">read-only</span>");
        }

        html.Append("<span id=\"live\" class=\"badge live\" title=\"Live updates (paused while the tab is hidden)\">live</span></span></header>")
            .Append("<main id=\"main\">").Append(page.Main).Append("</main>")
            .Append("<script src=\"").Append(r.Url("/assets/dashboard.js")).Append("?v=").Append(DashboardAssets.Version).Append("\" defer></script>")
            .Append("</body></html>");
        return html.ToString();
    }

    /// <summary>The notice an action left (<c>?notice=</c>), as the first thing in main.</summary>
    public static string Notice(DashboardRequest r) =>
        r.Query("notice") is { } notice ? $"<p class=\"notice\" role=\"status\">{Html.E(notice)}</p>" : "";

    /// <summary>A button that posts one action (with confirmation), or nothing for a user who may not act.</summary>
    public static string ActionButton(DashboardRequest r, string action, string label, string confirm, params (string Name, string? Value)[] fields)
    {
        if (!r.CanAct)
        {
            return "";
        }

        var html = new StringBuilder();
        html.Append("<form method=\"post\" class=\"inline\" action=\"").Append(r.Url("/actions/" + action)).Append("\" data-confirm=\"").Append(Html.E(confirm)).Append("\">")
            .Append(r.AntiforgeryField())
            .Append(Hidden("return", r.CurrentUrl()))
            .Append(Hidden("confirmed", ""));
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                html.Append(Hidden(name, value));
            }
        }

        html.Append("<button type=\"submit\" class=\"act\" data-action=\"").Append(action).Append("\">").Append(Html.E(label)).Append("</button></form>");
        return html.ToString();
    }

    /// <summary>The start of a form whose checkboxes (<c>id</c>) select what its buttons act on.</summary>
    public static string SelectionFormStart(DashboardRequest r, string id) =>
        $"<form method=\"post\" id=\"{id}\" class=\"selection\">{(r.CanAct ? r.AntiforgeryField() : "")}{Hidden("return", r.CurrentUrl())}{Hidden("confirmed", "")}";

    /// <summary>A button of a selection form posting to <paramref name="action"/>.</summary>
    public static string SelectionButton(DashboardRequest r, string action, string label, string confirm) => r.CanAct
        ? $"<button type=\"submit\" class=\"act\" formaction=\"{r.Url("/actions/" + action)}\" data-confirm=\"{Html.E(confirm)}\" data-action=\"{action}\">{Html.E(label)}</button>"
        : "";

    public static string Hidden(string name, string value) => $"<input type=\"hidden\" name=\"{Html.E(name)}\" value=\"{Html.E(value)}\">";

    public static string Unavailable(string what) => $"<p class=\"empty\">{Html.E(what)}</p>";
}
