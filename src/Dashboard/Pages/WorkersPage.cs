using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TaskFlow.Dashboard.Internal;
using TaskFlow.State;

namespace TaskFlow.Dashboard.Pages;

/// <summary>Workers from their heartbeats: running, stopped, lost; a lost worker with the tasks it had in hand.</summary>
internal static class WorkersPage
{
    public static async Task<PageContent> RenderAsync(DashboardRequest r)
    {
        var html = new StringBuilder();
        html.Append(Layout.Notice(r)).Append("<h1>Workers</h1>");
        if (r.Store is null)
        {
            html.Append(Layout.Unavailable("No state store in this application (AddStateStore): workers record their heartbeats there."));
            return new PageContent("workers", "Workers", html.ToString());
        }

        var ct = r.Http.RequestAborted;
        var (workers, error) = await Sources.TryAsync(() => r.Store.GetWorkersAsync(ct)).ConfigureAwait(false);
        if (workers is null)
        {
            html.Append(Sources.Error("workers", error!));
            return new PageContent("workers", "Workers", html.ToString());
        }

        if (workers.Count == 0)
        {
            html.Append(Layout.Unavailable("No worker has recorded a heartbeat in this state store."));
            return new PageContent("workers", "Workers", html.ToString());
        }

        html.Append("<table id=\"workers\"><tr><th>worker</th><th>status</th><th>host</th><th class=\"num\">pid</th><th>version</th><th>queues</th>")
            .Append("<th class=\"num\">slots</th><th class=\"num\">in flight</th><th>started</th><th>last seen</th></tr>");
        foreach (var w in workers)
        {
            var status = w.Status.ToString().ToLowerInvariant();
            html.Append("<tr class=\"").Append(status).Append("\" data-worker=\"").Append(Html.E(w.Name)).Append("\"><td><a href=\"").Append(r.Url("/tasks?worker=" + Html.U(w.Name)))
                .Append("\">").Append(Html.E(w.Name)).Append("</a></td><td>").Append(status).Append("</td><td>").Append(Html.E(w.Host)).Append("</td><td class=\"num\">")
                .Append(w.ProcessId).Append("</td><td>").Append(Html.E(w.Version ?? "-")).Append("</td><td>").Append(Html.E(string.Join(", ", w.Queues.Select(q => w.PausedQueues.Contains(q) ? q + " (paused)" : q))))
                .Append("</td><td class=\"num\">").Append(Html.Number(w.Concurrency)).Append("</td><td class=\"num\">").Append(Html.Number(w.InFlight))
                .Append("</td><td>").Append(Html.Time(w.StartedAt)).Append("</td><td>").Append(Html.Age(r.Now - w.LastSeenAt)).Append(" ago</td></tr>");
        }

        html.Append("</table>");

        foreach (var lost in workers.Where(w => w.Status == WorkerStatus.Lost))
        {
            var (page, taskError) = await Sources.TryAsync(() => r.Store.QueryTasksAsync(new TaskQuery { States = [TaskState.Started], Worker = lost.Name, Limit = 50 }, ct)).ConfigureAwait(false);
            html.Append("<h2>Lost: ").Append(Html.E(lost.Name)).Append(" <span class=\"muted\">last seen ").Append(Html.Age(r.Now - lost.LastSeenAt)).Append(" ago; the tasks it was running</span></h2>");
            if (page is null)
            {
                html.Append(Sources.Error("tasks", taskError!));
            }
            else if (page.Tasks.Count == 0)
            {
                html.Append(Layout.Unavailable("None still recorded as running on it (its messages went back to the queue and were taken by another worker)."));
            }
            else
            {
                TasksPage.Table(html, r, page.Tasks, selectable: false);
            }
        }

        return new PageContent("workers", "Workers", html.ToString());
    }
}
