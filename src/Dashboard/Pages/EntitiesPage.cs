using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TaskFlow.Dashboard.Internal;
using TaskFlow.State;

namespace TaskFlow.Dashboard.Pages;

/// <summary>
/// An entity (e.g. <c>note:42</c>): the lease held on it, its unfinished tasks (which hold it against conflicting work),
/// and every task recorded for it: the source material's conflicting-operations problem, made visible.
/// </summary>
internal static class EntitiesPage
{
    public static async Task<PageContent> RenderAsync(DashboardRequest r)
    {
        var key = r.Query("key");
        var html = new StringBuilder();
        html.Append(Layout.Notice(r)).Append("<h1>Entities</h1>")
            .Append("<form class=\"filters\" method=\"get\" action=\"").Append(r.Url("/entities")).Append("\"><label>entity key<input name=\"key\" value=\"")
            .Append(Html.E(key)).Append("\" placeholder=\"note:42\"></label><button type=\"submit\">Show</button></form>");
        if (r.Store is null)
        {
            html.Append(Layout.Unavailable("No state store in this application (AddStateStore)."));
            return new PageContent("entities", "Entities", html.ToString());
        }

        if (key is null)
        {
            html.Append(Layout.Unavailable("Enter an entity key (SendOptions.EntityKey, e.g. note:42) to see its tasks and its lock."));
            return new PageContent("entities", "Entities", html.ToString());
        }

        var ct = r.Http.RequestAborted;
        html.Append("<h2>Lease</h2>");
        if (r.Operators is { } operators)
        {
            var (lease, error) = await Sources.TryAsync(() => operators.GetEntityLeaseAsync(key, ct)).ConfigureAwait(false);
            html.Append(error is not null ? Sources.Error("lease", error)
                : lease is null ? "<p id=\"lease\">No lease held on it now.</p>"
                : $"<p id=\"lease\">Held by <code>{Html.E(lease.Holder)}</code> until {Html.Time(lease.ExpiresAt)}.</p>");
        }

        var (page, tasksError) = await Sources.TryAsync(() => r.Store.QueryTasksAsync(new TaskQuery { EntityKey = key, Limit = 200 }, ct)).ConfigureAwait(false);
        if (page is null)
        {
            html.Append(Sources.Error("tasks", tasksError!));
            return new PageContent("entities", "Entities", html.ToString());
        }

        var pending = page.Tasks.Where(t => !t.IsFinal).ToList();
        html.Append("<h2>Unfinished <span class=\"muted\">these hold the entity: a conflicting task or lock waits or fails</span> ")
            .Append(pending.Count > 0 ? Layout.ActionButton(r, "entity.revoke", "Revoke all unfinished", $"Revoke every unfinished task of {key}?", ("entity", key)) : "")
            .Append("</h2>");
        TasksPage.Table(html, r, pending, selectable: false);
        html.Append("<h2>Every task of ").Append(Html.E(key)).Append(" <span class=\"muted\">newest first</span></h2>");
        TasksPage.Table(html, r, page.Tasks, selectable: false);
        return new PageContent("entities", "Entities", html.ToString());
    }
}
