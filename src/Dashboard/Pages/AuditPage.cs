using System.Text;
using System.Threading.Tasks;
using TaskFlow.Dashboard.Internal;

namespace TaskFlow.Dashboard.Pages;

/// <summary>The audit log: every action taken through the dashboard (who, what, when, outcome), newest first.</summary>
internal static class AuditPage
{
    public static async Task<PageContent> RenderAsync(DashboardRequest r)
    {
        var html = new StringBuilder();
        html.Append(Layout.Notice(r)).Append("<h1>Audit log</h1>");
        if (r.Operators is not { } operators)
        {
            html.Append(Layout.Unavailable("No state store in this application (AddStateStore): the audit log lives there."));
            return new PageContent("audit", "Audit log", html.ToString());
        }

        var (entries, error) = await Sources.TryAsync(() => operators.GetAuditLogAsync(200, r.Http.RequestAborted)).ConfigureAwait(false);
        if (entries is null)
        {
            html.Append(Sources.Error("audit log", error!)).Append("<p>The audit log needs schema version 7: <code>taskflow schema apply</code>.</p>");
        }
        else if (entries.Count == 0)
        {
            html.Append(Layout.Unavailable("No actions yet."));
        }
        else
        {
            html.Append("<table id=\"audit\"><tr><th>when</th><th>who</th><th>action</th><th>target</th><th>parameters</th><th>outcome</th></tr>");
            foreach (var e in entries)
            {
                html.Append("<tr><td>").Append(Html.Time(e.At)).Append("</td><td>").Append(Html.E(e.UserName)).Append("</td><td>").Append(Html.E(e.Action))
                    .Append("</td><td>").Append(Html.Short(e.Target, 80)).Append("</td><td>").Append(Html.Short(e.Detail, 120)).Append("</td><td>").Append(Html.E(e.Outcome)).Append("</td></tr>");
            }

            html.Append("</table>");
        }

        return new PageContent("audit", "Audit log", html.ToString());
    }
}
