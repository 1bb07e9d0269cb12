using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TaskFlow.Dashboard.Internal;
using TaskFlow.RabbitMq;
using TaskFlow.State;

namespace TaskFlow.Dashboard.Pages;

/// <summary>
/// Overview: throughput and failures over the last hour (or day), the health check (red where degraded, probe latency
/// per queue), queue depths, workers online, the oldest waiting message, the task names that fail most.
/// </summary>
internal static class OverviewPage
{
    public static async Task<PageContent> RenderAsync(DashboardRequest r)
    {
        var day = r.Query("range") == "day";
        var since = day ? r.Now.AddDays(-1) : r.Now.AddHours(-1);
        var bucket = day ? TimeSpan.FromMinutes(30) : TimeSpan.FromMinutes(1);
        var ct = r.Http.RequestAborted;

        var countsTask = r.Store is { } s1 ? Sources.TryAsync(() => s1.GetTaskCountsAsync(since, ct)) : null;
        var timelineTask = r.Operators is { } o ? Sources.TryAsync(() => o.GetTaskTimelineAsync(since, bucket, ct)) : null;
        var workersTask = r.Store is { } s2 ? Sources.TryAsync(() => s2.GetWorkersAsync(ct)) : null;
        var queuesTask = r.Admin is { } a ? Sources.TryAsync(() => a.GetQueueStatsAsync(null, ct)) : null;
        var health = r.Http.RequestServices.GetService<HealthCheckService>() is { } checks
            ? Sources.TryAsync(() => checks.CheckHealthAsync(c => c.Name == "taskflow", ct))
            : null;

        var html = new StringBuilder();
        html.Append(Layout.Notice(r));
        html.Append("<h1>Overview <span class=\"muted\">last ").Append(day ? "day" : "hour").Append("</span></h1>")
            .Append("<p class=\"toolbar\"><a href=\"").Append(r.Url("/?range=hour")).Append("\">last hour</a><a href=\"").Append(r.Url("/?range=day")).Append("\">last day</a></p>");

        // Health: the taskflow check of this process.
        if (health is not null)
        {
            var (report, error) = await health.ConfigureAwait(false);
            if (report?.Entries.TryGetValue("taskflow", out var entry) == true)
            {
                html.Append("<section class=\"health ").Append(entry.Status).Append("\" id=\"health\"><span class=\"status\">").Append(entry.Status).Append("</span> ")
                    .Append(Html.E(entry.Description));
                if (entry.Data.Count > 0)
                {
                    html.Append("<table><tr><th>part</th><th>status</th></tr>");
                    foreach (var (key, value) in entry.Data.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        html.Append("<tr><td>").Append(Html.E(key)).Append("</td><td>").Append(Html.E(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture))).Append("</td></tr>");
                    }

                    html.Append("</table>");
                }

                html.Append("</section>");
            }
            else if (error is not null)
            {
                html.Append(Sources.Error("health check", error));
            }
            else
            {
                html.Append(NoHealthCheck);
            }
        }
        else
        {
            html.Append(NoHealthCheck);
        }

        // Cards.
        var (counts, countsError) = countsTask is null ? (null, "no state store (AddStateStore)") : await countsTask.ConfigureAwait(false);
        var (workers, workersError) = workersTask is null ? (null, null) : await workersTask.ConfigureAwait(false);
        var (queues, queuesError) = queuesTask is null ? (null, "no RabbitMQ queue admin (UseRabbitMq)") : await queuesTask.ConfigureAwait(false);
        html.Append("<div class=\"cards\">");
        if (counts is not null)
        {
            long Of(params TaskState[] states) => states.Sum(st => counts.ByState.GetValueOrDefault(st));
            Card(html, "tasks", Html.Number(counts.Total), "tasks recorded", null);
            Card(html, "succeeded", Html.Number(Of(TaskState.Succeeded)), "succeeded", null);
            var failed = Of(TaskState.Failed, TaskState.DeadLettered);
            Card(html, "failed", Html.Number(failed), "failed or dead-lettered", failed > 0 ? "bad" : null);
            Card(html, "running", Html.Number(Of(TaskState.Started)), "running", null);
            Card(html, "waiting", Html.Number(Of(TaskState.Pending, TaskState.Retrying)), "waiting or retrying", null);
        }

        if (workers is not null)
        {
            var lost = workers.Count(w => w.Status == WorkerStatus.Lost);
            Card(html, "workers", Html.Number(workers.Count(w => w.Status == WorkerStatus.Running)), "workers online", null);
            Card(html, "lost", Html.Number(lost), "workers lost", lost > 0 ? "bad" : null);
        }

        if (queues is not null)
        {
            Card(html, "depth", Html.Number(queues.Sum(q => q.Ready)), "messages waiting", null);
            var oldest = queues.Select(q => q.OldestMessageAge).Where(age => age is not null).DefaultIfEmpty(null).Max();
            Card(html, "oldest", Html.Age(oldest), "oldest waiting", null);
            var dead = queues.Sum(q => q.DeadLetters ?? 0);
            Card(html, "dead", Html.Number(dead), "dead letters", dead > 0 ? "warn" : null);
        }

        html.Append("</div>");

        // Chart.
        html.Append("<h2>Throughput and failures</h2>");
        if (timelineTask is not null)
        {
            var (timeline, error) = await timelineTask.ConfigureAwait(false);
            html.Append(timeline is not null ? ThroughputChart.Render(timeline, since, bucket, r.Now) : Sources.Error("timeline", error!));
        }
        else
        {
            html.Append(Layout.Unavailable("No state store: no task history."));
        }

        // Queues.
        html.Append("<h2>Queues</h2>");
        if (queues is not null)
        {
            QueuesPage.Table(html, r, queues, actions: false);
        }
        else
        {
            html.Append(Sources.Error("queues", queuesError!));
        }

        // Tasks that fail most.
        if (counts is not null)
        {
            var failing = counts.ByTask
                .GroupBy(c => c.TaskName)
                .Select(g => (Name: g.Key, Total: g.Sum(c => c.Count), Failed: g.Where(c => c.State is TaskState.Failed or TaskState.DeadLettered).Sum(c => c.Count)))
                .OrderByDescending(t => t.Failed).ThenByDescending(t => t.Total).Take(10).ToList();
            html.Append("<h2>Tasks by name</h2>");
            if (failing.Count == 0)
            {
                html.Append(Layout.Unavailable("No tasks recorded in this period."));
            }
            else
            {
                html.Append("<table><tr><th>task</th><th class=\"num\">recorded</th><th class=\"num\">failed or dead-lettered</th></tr>");
                foreach (var t in failing)
                {
                    html.Append("<tr><td><a href=\"").Append(r.Url("/tasks?name=" + Html.U(t.Name))).Append("\">").Append(Html.E(t.Name)).Append("</a></td><td class=\"num\">")
                        .Append(Html.Number(t.Total)).Append("</td><td class=\"num\">").Append(Html.Number(t.Failed)).Append("</td></tr>");
                }

                html.Append("</table>");
            }
        }
        else
        {
            html.Append(Sources.Error("tasks", countsError!));
        }

        if (workersError is not null)
        {
            html.Append(Sources.Error("workers", workersError));
        }

        return new PageContent("overview", "Overview", html.ToString());
    }

    private const string NoHealthCheck = "<p class=\"muted\" id=\"health\">No <code>taskflow</code> health check in this process (AddHealthChecks().AddTaskFlow() adds it: worker, broker, store and probe latency per queue).</p>";

    private static void Card(StringBuilder html, string id, string value, string label, string? tone) =>
        html.Append("<div class=\"card").Append(tone is null ? "" : " " + tone).Append("\" data-card=\"").Append(id).Append("\"><div class=\"value\">")
            .Append(value).Append("</div><div class=\"label\">").Append(Html.E(label)).Append("</div></div>");
}
