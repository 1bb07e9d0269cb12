using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TaskFlow.Dashboard.Internal;
using TaskFlow.Protocol;
using TaskFlow.RabbitMq;
using TaskFlow.State;

namespace TaskFlow.Dashboard.Pages;

/// <summary>
/// One task: its record (state, attempts, worker, error, result, progress, trace id), a timeline of its timestamps, every
/// attempt with its error and stack (<see cref="TaskStateStore.GetAttemptsAsync"/>), its message headers as the store
/// keeps them (redacted), parent and children, the entity's other tasks, and, while it is a dead letter, its message as
/// it waits in the dead-letter queue: arguments, headers, the exception with its stack trace and body.
/// </summary>
internal static class TaskDetailPage
{
    public static async Task<PageContent> RenderAsync(DashboardRequest r)
    {
        var id = r.Http.Request.RouteValues["id"] as string ?? "";
        var html = new StringBuilder();
        html.Append(Layout.Notice(r)).Append("<h1>Task <code>").Append(Html.E(id)).Append("</code></h1>");
        if (r.Store is null)
        {
            html.Append(Layout.Unavailable("No state store in this application (AddStateStore)."));
            return new PageContent("tasks", "Task " + id, html.ToString());
        }

        var ct = r.Http.RequestAborted;
        var (info, error) = await Sources.TryAsync(() => r.Store.GetAsync(id, ct)).ConfigureAwait(false);
        if (info is null)
        {
            html.Append(error is null ? Layout.Unavailable("Unknown task (never recorded, or its record expired).") : Sources.Error("task", error));
            return new PageContent("tasks", "Task " + id, html.ToString());
        }

        html.Append("<dl class=\"facts\" id=\"task\">");
        Fact(html, "task", Html.E(info.TaskName ?? "-"));
        Fact(html, "state", Html.State(info.State));
        Fact(html, "queue", Html.E(info.Queue ?? "-"));
        Fact(html, "entity", info.EntityKey is { } key ? $"<a href=\"{r.Url("/entities?key=" + Html.U(key))}\">{Html.E(key)}</a>" : "-");
        Fact(html, "attempts", info.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Fact(html, "worker", Html.E(info.Worker ?? "-"));
        Fact(html, "parent", info.ParentId is { } parent ? $"<a href=\"{r.Url("/tasks/" + Html.U(parent))}\">{Html.E(parent)}</a>" : "-");
        Fact(html, "root", info.RootId is { } root ? $"<a href=\"{r.Url("/tasks?root=" + Html.U(root))}\">{Html.E(root)}</a>" : "-");
        // As the store keeps them: redacted ([Sensitive] values are ***) and at most 1,000 characters.
        Fact(html, "arguments", info.Arguments is null ? "-" : $"<code id=\"stored-arguments\">{Html.E(info.Arguments)}</code>");
        Fact(html, "progress", info.Progress is { } p ? Html.E($"{p.Done}/{p.Total} {p.Message}") : "-");
        Fact(html, "error", info.Error is null ? "-" : $"<code>{Html.E(info.Error)}</code>");
        Fact(html, "result", info.ResultJson is null ? "-" : $"<code>{Html.E(info.ResultJson)}</code>");
        Fact(html, "trace id", info.TraceId is null ? "-" : $"<code id=\"trace-id\">{Html.E(info.TraceId)}</code>");
        Fact(html, "record expires", Html.Time(info.ExpiresAt));
        html.Append("</dl>");

        html.Append("<div class=\"toolbar\">");
        if (!info.IsFinal)
        {
            html.Append(Layout.ActionButton(r, "tasks.revoke", "Revoke", $"Revoke task {id}? A running task is cancelled.", ("id", id)));
        }

        if (info.State is TaskState.Failed or TaskState.DeadLettered)
        {
            html.Append(Layout.ActionButton(r, "tasks.retry", "Retry (re-drive its dead letter)", $"Re-drive the dead letter of task {id}?", ("id", id)));
        }

        html.Append("</div>");

        html.Append("<h2>Timeline</h2><ol class=\"timeline\">");
        html.Append("<li>").Append(Html.Time(info.CreatedAt)).Append(" recorded (").Append(info.State == TaskState.Pending ? "pending" : "first seen").Append(")</li>");
        if (info.StartedAt is { } started)
        {
            html.Append("<li>").Append(Html.Time(started)).Append(" last started (attempt ").Append(info.Attempts).Append(')').Append(info.Worker is null ? "" : " on " + Html.E(info.Worker)).Append("</li>");
        }

        if (info.CompletedAt is { } completed)
        {
            html.Append("<li>").Append(Html.Time(completed)).Append(' ').Append(info.State.ToWireName()).Append(info.StartedAt is { } s ? $" after {Html.Age(completed - s)}" : "").Append("</li>");
        }
        else
        {
            html.Append("<li>").Append(Html.Time(info.UpdatedAt)).Append(" last change: ").Append(info.State.ToWireName()).Append("</li>");
        }

        html.Append("</ol>");

        var (attempts, attemptsError) = await Sources.TryAsync(() => r.Store.GetAttemptsAsync(id, ct)).ConfigureAwait(false);
        html.Append("<h2>Attempts</h2>");
        if (attempts is null)
        {
            html.Append(Sources.Error("attempts", attemptsError!));
        }
        else
        {
            Attempts(html, attempts);
        }

        html.Append("<h2>Headers <span class=\"muted\">of its message, as stored with its first record</span></h2>");
        if (info.Headers.Count == 0)
        {
            html.Append(Layout.Unavailable("None stored (a record from before schema version 13, or of a task never sent through TaskFlow)."));
        }
        else
        {
            html.Append("<table class=\"headers\" id=\"headers\"><tr><th>header</th><th>value</th></tr>");
            foreach (var (name, value) in info.Headers)
            {
                html.Append("<tr data-header=\"").Append(Html.E(name)).Append("\"><td>").Append(Html.E(name)).Append("</td><td>").Append(Html.Short(value, 300)).Append("</td></tr>");
            }

            html.Append("</table>");
        }

        // The message, while it waits in the dead-letter queue: arguments, headers, exception and stack.
        if (info.State is TaskState.Failed or TaskState.DeadLettered && r.Admin is { } admin && info.Queue is { } queue)
        {
            var filter = new DeadLetterFilter { Limit = 1 };
            filter.TaskIds.Add(id);
            var (letters, letterError) = await Sources.TryAsync(() => admin.ListDeadLettersAsync(queue, filter, ct)).ConfigureAwait(false);
            html.Append("<h2>Dead letter</h2>");
            if (letters is null)
            {
                html.Append(Sources.Error("dead letters", letterError!));
            }
            else if (letters.Count == 0)
            {
                html.Append(Layout.Unavailable("Not in " + queue + ".dead (re-driven or discarded)."));
            }
            else
            {
                DeadLetterDetail(html, letters[0]);
            }
        }

        var children = await Sources.TryAsync(() => r.Store.QueryTasksAsync(new TaskQuery { ParentId = id, Limit = 50 }, ct)).ConfigureAwait(false);
        html.Append("<h2>Children <span class=\"muted\">tasks it sent</span></h2>");
        if (children.Value is { } kids)
        {
            TasksPage.Table(html, r, kids.Tasks, selectable: false);
        }
        else
        {
            html.Append(Sources.Error("children", children.Error!));
        }

        if (info.EntityKey is { } entity)
        {
            var others = await Sources.TryAsync(() => r.Store.QueryTasksAsync(new TaskQuery { EntityKey = entity, Limit = 20 }, ct)).ConfigureAwait(false);
            html.Append("<h2>Other tasks of ").Append(Html.E(entity)).Append("</h2>");
            if (others.Value is { } page)
            {
                TasksPage.Table(html, r, page.Tasks.Where(t => t.TaskId != id).ToList(), selectable: false);
            }
            else
            {
                html.Append(Sources.Error("entity", others.Error!));
            }
        }

        return new PageContent("tasks", "Task " + id, html.ToString());
    }

    /// <summary>The attempts table: one row each, the stack of a failed one in a collapsed <c>&lt;details&gt;</c>.</summary>
    private static void Attempts(StringBuilder html, IReadOnlyList<TaskAttemptInfo> attempts)
    {
        if (attempts.Count == 0)
        {
            html.Append(Layout.Unavailable("It has not run yet."));
            return;
        }

        html.Append("<table id=\"attempts\"><tr><th>#</th><th>state</th><th>worker</th><th>started</th><th>ended</th><th>took</th><th>error</th></tr>");
        foreach (var attempt in attempts)
        {
            html.Append("<tr data-attempt=\"").Append(attempt.Attempt).Append("\"><td>").Append(attempt.Attempt)
                .Append("</td><td>").Append(Html.State(attempt.State))
                .Append("</td><td>").Append(Html.E(attempt.Worker ?? "-"))
                .Append("</td><td>").Append(attempt.StartedAt is { } started ? Html.Time(started) : "-")
                .Append("</td><td>").Append(attempt.EndedAt is { } ended ? Html.Time(ended) : "-")
                .Append("</td><td>").Append(attempt is { StartedAt: { } from, EndedAt: { } to } ? Html.Age(to - from) : "-")
                .Append("</td><td>").Append(attempt.Error is null ? "-" : $"<code>{Html.E(attempt.Error)}</code>");
            if (attempt.Stack is { } stack)
            {
                html.Append("<details class=\"stack\"><summary>stack</summary><pre>").Append(Html.E(stack)).Append("</pre></details>");
            }

            html.Append("</td></tr>");
        }

        html.Append("</table>");
    }

    public static void DeadLetterDetail(StringBuilder html, DeadLetter letter)
    {
        html.Append("<dl class=\"facts\" id=\"dead-letter\">");
        Fact(html, "reason", Html.E(letter.Reason ?? "-"));
        Fact(html, "exception", Html.E(letter.ExceptionType ?? "-"));
        Fact(html, "message", Html.E(letter.ExceptionMessage ?? "-"));
        Fact(html, "failed at", Html.Time(letter.FailedAt));
        Fact(html, "first failed at", Html.Time(letter.FirstFailedAt));
        Fact(html, "worker", Html.E(letter.Worker ?? "-"));
        var trace = letter.Headers.TryGetValue("traceparent", out var traceparent) && traceparent is { Length: >= 35 } tp ? tp.Split('-') is { Length: >= 2 } parts ? parts[1] : tp : null;
        Fact(html, "trace id", trace is null ? "-" : $"<code>{Html.E(trace)}</code>");
        // [Sensitive] arguments (header x-taskflow-sensitive) are shown as ***: TaskFlow's sender already wrote argsrepr so;
        // redacting again covers other senders. The body below is redacted the same way; the message itself is not changed.
        var sensitive = letter.Headers.GetValueOrDefault(MessageHeaders.Sensitive);
        Fact(html, "arguments", letter.Headers.TryGetValue("argsrepr", out var args) && args is not null ? $"<code>{Html.E(SensitiveArguments.RedactArguments(args, sensitive))}</code>" : "-");
        Fact(html, "keyword arguments", letter.Headers.TryGetValue("kwargsrepr", out var kwargs) ? $"<code>{Html.E(kwargs)}</code>" : "-");
        html.Append("</dl>");
        if (letter.StackTrace is { Length: > 0 } stack)
        {
            html.Append("<h2>Stack trace</h2><pre>").Append(Html.E(stack)).Append("</pre>");
        }

        html.Append("<h2>Headers</h2><table class=\"headers\"><tr><th>header</th><th>value</th></tr>");
        foreach (var (name, value) in letter.Headers.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            html.Append("<tr><td>").Append(Html.E(name)).Append("</td><td>").Append(Html.Short(name == MessageHeaders.ArgsRepr && value is not null ? SensitiveArguments.RedactArguments(value, sensitive) : value, 300)).Append("</td></tr>");
        }

        html.Append("</table><h2>Body</h2><pre>").Append(Html.E(letter.ContentType is { } type && type.Contains("json", StringComparison.OrdinalIgnoreCase)
            ? SensitiveArguments.RedactBody(System.Text.Encoding.UTF8.GetString(letter.Body.Span), sensitive)
            : $"({letter.Body.Length} bytes of {letter.ContentType ?? "unknown content type"})")).Append("</pre>");
    }

    private static void Fact(StringBuilder html, string name, string value) =>
        html.Append("<dt>").Append(Html.E(name)).Append("</dt><dd>").Append(value).Append("</dd>");
}
