using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TaskFlow.Dashboard.Internal;
using TaskFlow.State;

namespace TaskFlow.Dashboard.Pages;

/// <summary>
/// Tasks: the filterable, keyset-paged list of the state store (<see cref="ITaskStateStore.QueryTasksAsync"/>), with bulk
/// retry (re-drive of their dead letters) and revoke on the selection or on everything matching the filter.
/// </summary>
internal static class TasksPage
{
    public static async Task<PageContent> RenderAsync(DashboardRequest r)
    {
        var html = new StringBuilder();
        html.Append(Layout.Notice(r)).Append("<h1>Tasks</h1>");
        if (r.Store is null)
        {
            html.Append(Layout.Unavailable("No state store in this application (AddStateStore)."));
            return new PageContent("tasks", "Tasks", html.ToString());
        }

        var filter = TaskFilter.Parse(r.Query, r.Now);
        FilterForm(html, r, filter);
        if (filter.ArgumentsSinceDefaulted)
        {
            html.Append("<p class=\"muted\" id=\"args-since\">Searching the arguments of the last hour: set <em>since</em> to look further back (a search reads every record in its time range).</p>");
        }

        if (filter.Error is not null)
        {
            html.Append(Sources.Error("filter", filter.Error));
            return new PageContent("tasks", "Tasks", html.ToString());
        }

        var cursor = r.Query("cursor");
        var (page, error) = await Sources.TryAsync(() => r.Store.QueryTasksAsync(filter.Query with { Cursor = cursor, Limit = 100 }, r.Http.RequestAborted)).ConfigureAwait(false);
        if (page is null)
        {
            html.Append(Sources.Error("tasks", error!));
            return new PageContent("tasks", "Tasks", html.ToString());
        }

        html.Append(Layout.SelectionFormStart(r, "task-selection"));
        foreach (var (name, value) in filter.Fields)
        {
            html.Append(Layout.Hidden(name, value));
        }

        if (r.CanAct)
        {
            html.Append("<div class=\"toolbar\">")
                .Append(Layout.SelectionButton(r, "tasks.retry", "Retry selected", "Re-drive the dead letters of the selected tasks?"))
                .Append(Layout.SelectionButton(r, "tasks.revoke", "Revoke selected", "Revoke the selected tasks? Running ones are cancelled."))
                .Append(Layout.SelectionButton(r, "tasks.delete", "Delete selected", "Delete the records of the selected tasks? Only finished tasks are deleted; unfinished ones are kept and counted."))
                .Append("<button type=\"submit\" class=\"act\" name=\"scope\" value=\"matching\" data-all=\"1\" data-action=\"tasks.revoke\" formaction=\"").Append(r.Url("/actions/tasks.revoke"))
                .Append("\" data-confirm=\"Revoke EVERY unfinished task matching this filter (up to ").Append(Html.Number(DashboardActions.MaxMatching)).Append(")?\">Revoke all matching</button>")
                .Append("<button type=\"submit\" class=\"act\" name=\"scope\" value=\"matching\" data-all=\"1\" data-action=\"tasks.retry\" formaction=\"").Append(r.Url("/actions/tasks.retry"))
                .Append("\" data-confirm=\"Re-drive the dead letters of EVERY task matching this filter (up to ").Append(Html.Number(DashboardActions.MaxMatching)).Append(")?\">Retry all matching</button>")
                .Append("<button type=\"submit\" class=\"act\" name=\"scope\" value=\"matching\" data-all=\"1\" data-action=\"tasks.delete\" formaction=\"").Append(r.Url("/actions/tasks.delete"))
                .Append("\" data-confirm=\"Delete the records of EVERY finished task matching this filter (up to ").Append(Html.Number(DashboardActions.MaxMatching)).Append(")? Unfinished ones are kept.\">Delete all matching</button>")
                .Append("</div>");
        }

        Table(html, r, page.Tasks, selectable: r.CanAct);
        html.Append("</form>");
        html.Append("<div class=\"pager\">");
        if (cursor is not null)
        {
            html.Append("<a href=\"").Append(Html.E(r.Url("/tasks" + Query(filter.Fields, null)))).Append("\">first page</a>");
        }

        if (page.NextCursor is not null)
        {
            html.Append("<a id=\"next-page\" href=\"").Append(Html.E(r.Url("/tasks" + Query(filter.Fields, page.NextCursor)))).Append("\">next page →</a>");
        }

        html.Append("<span class=\"muted\">").Append(page.Tasks.Count).Append(" task(s) on this page, newest first</span></div>");
        return new PageContent("tasks", "Tasks", html.ToString());
    }

    public static void Table(StringBuilder html, DashboardRequest r, IReadOnlyList<TaskStateInfo> tasks, bool selectable)
    {
        if (tasks.Count == 0)
        {
            html.Append(Layout.Unavailable("No tasks match."));
            return;
        }

        html.Append("<table class=\"tasks\"><tr>").Append(selectable ? "<th><input type=\"checkbox\" data-select-all aria-label=\"select all\"></th>" : "")
            .Append("<th>task id</th><th>task</th><th>state</th><th>queue</th><th>entity</th><th class=\"num\">attempts</th><th>worker</th><th>created</th><th>arguments</th><th>error</th></tr>");
        foreach (var t in tasks)
        {
            html.Append("<tr data-task-id=\"").Append(Html.E(t.TaskId)).Append("\">");
            if (selectable)
            {
                html.Append("<td><input type=\"checkbox\" name=\"id\" value=\"").Append(Html.E(t.TaskId)).Append("\" aria-label=\"select\"></td>");
            }

            html.Append("<td><a href=\"").Append(r.Url("/tasks/" + Html.U(t.TaskId))).Append("\">").Append(Html.Short(t.TaskId, 36)).Append("</a></td><td>")
                .Append(Html.E(t.TaskName ?? "-")).Append("</td><td>").Append(Html.State(t.State)).Append("</td><td>").Append(Html.E(t.Queue ?? "-")).Append("</td><td>")
                .Append(t.EntityKey is { } key ? $"<a href=\"{r.Url("/entities?key=" + Html.U(key))}\">{Html.E(key)}</a>" : "-")
                .Append("</td><td class=\"num\">").Append(t.Attempts).Append("</td><td>").Append(Html.E(t.Worker ?? "-")).Append("</td><td>").Append(Html.Time(t.CreatedAt))
                .Append("</td><td class=\"args\">").Append(Html.Short(t.Arguments, 60)).Append("</td><td>").Append(Html.Short(t.Error, 80)).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static void FilterForm(StringBuilder html, DashboardRequest r, TaskFilter filter)
    {
        html.Append("<form class=\"filters\" method=\"get\" action=\"").Append(r.Url("/tasks")).Append("\" id=\"filters\">");
        html.Append("<label>state<select name=\"state\"><option value=\"\">any</option>");
        foreach (var option in new[] { "pending", "started", "retrying", "succeeded", "failed", "revoked", "expired", "dead_lettered", "failed,dead_lettered" })
        {
            html.Append("<option").Append(r.Query("state") == option ? " selected" : "").Append('>').Append(option).Append("</option>");
        }

        html.Append("</select></label>");
        foreach (var (name, label, placeholder) in new[]
        {
            ("name", "task name", "signup.send_sms"), ("queue", "queue", "emails"), ("entity", "entity key", "note:42"),
            ("worker", "worker", "host:pid"), ("error", "error starts with", "System.TimeoutException"),
            ("args", "text in arguments", "alice@example.com"), ("since", "since", "1h"), ("until", "until", "2026-12-03T10:00Z"),
        })
        {
            html.Append("<label>").Append(label).Append("<input name=\"").Append(name).Append("\" value=\"").Append(Html.E(filter.Field(name))).Append("\" placeholder=\"").Append(Html.E(placeholder)).Append("\"></label>");
        }

        html.Append("<label>lost workers<input type=\"checkbox\" name=\"lost\" value=\"on\"").Append(r.Query("lost") == "on" ? " checked" : "").Append("></label>")
            .Append("<button type=\"submit\">Filter</button><a href=\"").Append(r.Url("/tasks")).Append("\">clear</a></form>");
    }

    private static string Query(IEnumerable<(string Name, string Value)> fields, string? cursor)
    {
        var parts = fields.Select(f => Html.U(f.Name) + "=" + Html.U(f.Value)).ToList();
        if (cursor is not null)
        {
            parts.Add("cursor=" + Html.U(cursor));
        }

        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }
}
