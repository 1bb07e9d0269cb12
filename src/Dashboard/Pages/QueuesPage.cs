using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;
using TaskFlow.Dashboard.Internal;
using TaskFlow.RabbitMq;

namespace TaskFlow.Dashboard.Pages;

/// <summary>Queues: depth, unacknowledged, consumers, rates, oldest message, dead letters (RabbitMqQueueAdmin); purge.</summary>
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
        if (queues is null)
        {
            html.Append(Sources.Error("queues", error!));
        }
        else
        {
            Table(html, r, queues, actions: true);
            html.Append("<p class=\"muted\">Source: the management API at ").Append(Html.E(r.Admin.ManagementUri.ToString()))
                .Append(" (its figures lag by its statistics interval, 5 s by default). OLDEST is reported for classic queues only. ")
                .Append("Purge removes the ready messages present now and records each task revoked first.</p>");
        }

        return new PageContent("queues", "Queues", html.ToString());
    }

    public static void Table(StringBuilder html, DashboardRequest r, IReadOnlyList<QueueStats> queues, bool actions)
    {
        if (queues.Count == 0)
        {
            html.Append(Layout.Unavailable("No TaskFlow queues on this broker."));
            return;
        }

        html.Append("<table id=\"queues\"><tr><th>queue</th><th>type</th><th class=\"num\">ready</th><th class=\"num\">unacked</th><th class=\"num\">consumers</th>")
            .Append("<th class=\"num\">in/s</th><th class=\"num\">out/s</th><th class=\"num\">oldest</th><th class=\"num\">dead</th>").Append(actions ? "<th></th>" : "").Append("</tr>");
        foreach (var q in queues)
        {
            html.Append("<tr data-queue=\"").Append(Html.E(q.Name)).Append("\"><td>").Append(Html.E(q.Name)).Append("</td><td>").Append(Html.E(q.Type ?? "-"))
                .Append("</td><td class=\"num\">").Append(Html.Number(q.Ready)).Append("</td><td class=\"num\">").Append(Html.Number(q.Unacknowledged))
                .Append("</td><td class=\"num\">").Append(Html.Number(q.Consumers)).Append("</td><td class=\"num\">").Append(Html.Rate(q.PublishRate))
                .Append("</td><td class=\"num\">").Append(Html.Rate(q.DeliverRate)).Append("</td><td class=\"num\">").Append(Html.Age(q.OldestMessageAge))
                .Append("</td><td class=\"num\">");
            html.Append(q.DeadLetters is > 0 ? $"<a href=\"{r.Url("/dead?queue=" + Html.U(q.Name))}\">{Html.Number(q.DeadLetters)}</a>" : Html.Number(q.DeadLetters)).Append("</td>");
            if (actions)
            {
                html.Append("<td>").Append(Layout.ActionButton(r, "queue.purge", "Purge", $"Purge the {q.Ready:N0} ready message(s) of queue '{q.Name}'? Each task is recorded revoked.", ("queue", q.Name))).Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table>");
    }
}
