using System;
using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;
using TaskFlow.Dashboard.Internal;
using TaskFlow.RabbitMq;
using TaskFlow.State;

namespace TaskFlow.Dashboard.Pages;

/// <summary>Queues: depth, unacknowledged, consumers, rates, oldest message, dead letters (RabbitMqQueueAdmin), paused (the state store); pause, resume, purge.</summary>
internal static class QueuesPage
{
    public static async Task<PageContent> RenderAsync(DashboardRequest r)
    {
        var html = new StringBuilder();
        html.Append(Layout.Notice(r)).Append("<h1>Queues</h1>");
        if (r.Admin is null)
        {
            html.Append(Layout.Unavailable("No RabbitMQ queue admin in this application (UseRabbitMq)."));
            return new PageContent("queues", "Queues", html.ToString());
        }

        var (queues, error) = await Sources.TryAsync(() => r.Admin.GetQueueStatsAsync(null, r.Http.RequestAborted)).ConfigureAwait(false);
        IReadOnlyList<QueuePause>? pauses = null;
        if (r.Operators is { } store)
        {
            (pauses, var pauseError) = await Sources.TryAsync(() => store.GetPausedQueuesAsync(r.Http.RequestAborted)).ConfigureAwait(false);
            if (pauses is null)
            {
                html.Append(Sources.Error("paused queues", pauseError!));
            }
        }

        if (queues is null)
        {
            html.Append(Sources.Error("queues", error!));
        }
        else
        {
            Table(html, r, queues, actions: true, pauses);
            html.Append("<p class=\"muted\">Source: the management API at ").Append(Html.E(r.Admin.ManagementUri.ToString()))
                .Append(" (its figures lag by its statistics interval, 5 s by default). OLDEST is reported for classic queues only. ")
                .Append("Purge removes the ready messages present now and records each task revoked first. ")
                .Append("Pause stops every worker that uses this state store consuming the queue within a second or two (running tasks finish; messages stay in the queue) until it is resumed; ")
                .Append("workers without the state store do not see it.</p>");
        }

        return new PageContent("queues", "Queues", html.ToString());
    }

    public static void Table(StringBuilder html, DashboardRequest r, IReadOnlyList<QueueStats> queues, bool actions, IReadOnlyList<QueuePause>? pauses = null)
    {
        var paused = new Dictionary<string, QueuePause>(StringComparer.Ordinal);
        foreach (var pause in pauses ?? [])
        {
            paused[pause.Queue] = pause;
        }

        if (queues.Count == 0)
        {
            html.Append(Layout.Unavailable("No TaskFlow queues on this broker."));
            return;
        }

        html.Append("<table id=\"queues\"><tr><th>queue</th><th>type</th><th class=\"num\">ready</th><th class=\"num\">unacked</th><th class=\"num\">consumers</th>")
            .Append("<th class=\"num\">in/s</th><th class=\"num\">out/s</th><th class=\"num\">oldest</th><th class=\"num\">dead</th>").Append(actions ? "<th></th>" : "").Append("</tr>");
        foreach (var q in queues)
        {
            var pause = paused.GetValueOrDefault(q.Name);
            html.Append("<tr data-queue=\"").Append(Html.E(q.Name)).Append(pause is null ? "\"" : "\" data-paused=\"1\"").Append("><td>").Append(Html.E(q.Name));
            if (pause is not null)
            {
                html.Append(" <span class=\"badge paused\" title=\"").Append(Html.E($"paused by {pause.PausedBy} at {pause.PausedAt:u}{(pause.Reason is null ? "" : ": " + pause.Reason)}")).Append("\">paused</span>");
            }

            html.Append("</td><td>").Append(Html.E(q.Type ?? "-"))
                .Append("</td><td class=\"num\">").Append(Html.Number(q.Ready)).Append("</td><td class=\"num\">").Append(Html.Number(q.Unacknowledged))
                .Append("</td><td class=\"num\">").Append(Html.Number(q.Consumers)).Append("</td><td class=\"num\">").Append(Html.Rate(q.PublishRate))
                .Append("</td><td class=\"num\">").Append(Html.Rate(q.DeliverRate)).Append("</td><td class=\"num\">").Append(Html.Age(q.OldestMessageAge))
                .Append("</td><td class=\"num\">");
            html.Append(q.DeadLetters is > 0 ? $"<a href=\"{r.Url("/dead?queue=" + Html.U(q.Name))}\">{Html.Number(q.DeadLetters)}</a>" : Html.Number(q.DeadLetters)).Append("</td>");
            if (actions)
            {
                html.Append("<td>").Append(pause is null
                    ? Layout.ActionButton(r, "queue.pause", "Pause", $"Pause consuming queue '{q.Name}'? Workers stop taking its messages within a second or two; running tasks finish.", ("queue", q.Name))
                    : Layout.ActionButton(r, "queue.resume", "Resume", $"Resume consuming queue '{q.Name}'?", ("queue", q.Name)))
                    .Append(' ').Append(Layout.ActionButton(r, "queue.purge", "Purge", $"Purge the {q.Ready:N0} ready message(s) of queue '{q.Name}'? Each task is recorded revoked.", ("queue", q.Name))).Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table>");
    }
}
