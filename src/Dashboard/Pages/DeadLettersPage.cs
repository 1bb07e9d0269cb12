using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TaskFlow.Dashboard.Internal;
using TaskFlow.RabbitMq;

namespace TaskFlow.Dashboard.Pages;

/// <summary>
/// Dead letters per queue, grouped by task and exception, with re-drive and discard of one group, a selection, or all of
/// a queue (as <c>taskflow dead redrive|discard</c>). Read without removing them (RabbitMqQueueAdmin).
/// </summary>
internal static class DeadLettersPage
{
    public static async Task<PageContent> RenderAsync(DashboardRequest r)
    {
        var html = new StringBuilder();
        html.Append(Layout.Notice(r)).Append("<h1>Dead letters</h1>");
        if (r.Admin is not { } admin)
        {
            html.Append(Layout.Unavailable("No RabbitMQ queue admin in this application (UseRabbitMq)."));
            return new PageContent("dead", "Dead letters", html.ToString());
        }

        var ct = r.Http.RequestAborted;
        List<string> queues;
        if (r.Query("queue") is { } named)
        {
            queues = [named];
        }
        else
        {
            var (stats, error) = await Sources.TryAsync(() => admin.GetQueueStatsAsync(null, ct)).ConfigureAwait(false);
            if (stats is null)
            {
                html.Append(Sources.Error("queues", error!)).Append("<p>Name a queue: <code>?queue=emails</code>.</p>");
                return new PageContent("dead", "Dead letters", html.ToString());
            }

            queues = stats.Where(s => s.DeadLetters > 0).Select(s => s.Name).ToList();
        }

        if (queues.Count == 0)
        {
            html.Append(Layout.Unavailable("No dead letters in any TaskFlow queue."));
            return new PageContent("dead", "Dead letters", html.ToString());
        }

        foreach (var queue in queues)
        {
            var (letters, error) = await Sources.TryAsync(() => admin.ListDeadLettersAsync(queue, new DeadLetterFilter { Limit = r.Options.MaxDeadLettersShown }, ct)).ConfigureAwait(false);
            html.Append("<section class=\"dead-queue\" data-queue=\"").Append(Html.E(queue)).Append("\"><h2>").Append(Html.E(queue)).Append(".dead <span class=\"muted\">")
                .Append(letters is null ? "" : Html.Number(letters.Count) + (letters.Count >= r.Options.MaxDeadLettersShown ? "+ (the first shown)" : "") + " dead letter(s)").Append("</span> ")
                .Append(Layout.ActionButton(r, "dead.redrive", "Re-drive all", $"Re-drive every dead letter of {queue}?", ("queue", queue), ("scope", "all")))
                .Append(Layout.ActionButton(r, "dead.discard", "Discard all", $"Discard every dead letter of {queue} for good?", ("queue", queue), ("scope", "all")))
                .Append("</h2>");
            if (letters is null)
            {
                html.Append(Sources.Error(queue, error!));
                html.Append("</section>");
                continue;
            }

            if (letters.Count == 0)
            {
                html.Append(Layout.Unavailable("None.")).Append("</section>");
                continue;
            }

            // Groups by task and exception.
            html.Append("<table class=\"groups\"><tr><th>task</th><th>exception</th><th class=\"num\">count</th><th>last failed</th><th>example</th><th></th></tr>");
            foreach (var group in letters.GroupBy(l => (l.TaskName, Exception: l.ExceptionType ?? l.Reason)).OrderByDescending(g => g.Count()))
            {
                var newest = group.OrderByDescending(l => l.FailedAt).First();
                var byFilter = group.Key.TaskName is not null && group.First().ExceptionType is not null;
                var fields = byFilter
                    ? new[] { ("queue", (string?)queue), ("scope", "group"), ("task", group.Key.TaskName), ("exception", group.First().ExceptionType) }
                    : new[] { ("queue", (string?)queue), ("scope", "ids") }.Concat(group.Where(l => l.TaskId is not null).Select(l => ("id", l.TaskId))).ToArray();
                html.Append("<tr data-group=\"").Append(Html.E(group.Key.TaskName)).Append("\"><td>").Append(Html.E(group.Key.TaskName ?? "-")).Append("</td><td>")
                    .Append(Html.E(group.Key.Exception ?? "-")).Append("</td><td class=\"num\">").Append(group.Count()).Append("</td><td>").Append(Html.Time(newest.FailedAt))
                    .Append("</td><td>").Append(Html.Short(newest.ExceptionMessage, 80)).Append("</td><td>")
                    .Append(Layout.ActionButton(r, "dead.redrive", "Re-drive group", $"Re-drive the {group.Count()} dead letter(s) of {group.Key.TaskName} ({group.Key.Exception})?", fields))
                    .Append(Layout.ActionButton(r, "dead.discard", "Discard group", $"Discard the {group.Count()} dead letter(s) of {group.Key.TaskName} ({group.Key.Exception}) for good?", fields))
                    .Append("</td></tr>");
            }

            html.Append("</table>");

            // Each dead letter, selectable.
            html.Append(Layout.SelectionFormStart(r, "dead-selection-" + Html.E(queue))).Append(Layout.Hidden("queue", queue)).Append(Layout.Hidden("scope", "ids"));
            if (r.CanAct)
            {
                html.Append("<div class=\"toolbar\">")
                    .Append(Layout.SelectionButton(r, "dead.redrive", "Re-drive selected", "Re-drive the selected dead letters?"))
                    .Append(Layout.SelectionButton(r, "dead.discard", "Discard selected", "Discard the selected dead letters for good?"))
                    .Append("</div>");
            }

            html.Append("<table class=\"letters\"><tr>").Append(r.CanAct ? "<th><input type=\"checkbox\" data-select-all aria-label=\"select all\"></th>" : "")
                .Append("<th>task id</th><th>task</th><th>reason</th><th>exception</th><th>failed at</th><th class=\"num\">attempts</th><th>entity</th></tr>");
            foreach (var letter in letters)
            {
                html.Append("<tr data-task-id=\"").Append(Html.E(letter.TaskId)).Append("\">");
                if (r.CanAct)
                {
                    html.Append("<td>").Append(letter.TaskId is null ? "" : $"<input type=\"checkbox\" name=\"id\" value=\"{Html.E(letter.TaskId)}\" aria-label=\"select\">").Append("</td>");
                }

                html.Append("<td>").Append(letter.TaskId is { } tid ? $"<a href=\"{r.Url("/tasks/" + Html.U(tid))}\">{Html.Short(tid, 36)}</a>" : "-").Append("</td><td>")
                    .Append(Html.E(letter.TaskName ?? "-")).Append("</td><td>").Append(Html.E(letter.Reason ?? "-")).Append("</td><td>")
                    .Append(Html.Short((letter.ExceptionType is null ? "" : letter.ExceptionType + ": ") + letter.ExceptionMessage, 100)).Append("</td><td>")
                    .Append(Html.Time(letter.FailedAt)).Append("</td><td class=\"num\">").Append(letter.Attempts?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-")
                    .Append("</td><td>").Append(Html.E(letter.EntityKey ?? "-")).Append("</td></tr>");
            }

            html.Append("</table></form></section>");
        }

        html.Append("<p class=\"muted\">Re-drive publishes each dead letter unchanged to its queue with publisher confirms and removes it only after the confirm. ")
            .Append("Reading a quorum dead-letter queue raises its messages' delivery count (docs/operations.md#dead-letters-on-rabbitmq-4).</p>");
        return new PageContent("dead", "Dead letters", html.ToString());
    }
}
