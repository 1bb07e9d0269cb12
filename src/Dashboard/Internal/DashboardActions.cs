using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TaskFlow.RabbitMq;
using TaskFlow.State;

namespace TaskFlow.Dashboard.Internal;

/// <summary>
/// Every action of the dashboard: a POST from a user who may act (else 403) with a valid anti-forgery token (else 400),
/// confirmed (a first POST without <c>confirmed=yes</c>, e.g. without JavaScript, gets a confirmation page), carried out,
/// and written to the audit log (who, what, when, outcome) before the answer: a redirect back with a notice.
/// </summary>
internal static class DashboardActions
{
    /// <summary>The most tasks one "all matching" action touches.</summary>
    public const int MaxMatching = 100_000;

    /// <summary>The state store's schema version that has the audit log.</summary>
    private const int AuditSchemaVersion = 7;

    private static readonly Dictionary<string, string> Titles = new(StringComparer.Ordinal)
    {
        ["dead.redrive"] = "Re-drive dead letters",
        ["dead.discard"] = "Discard dead letters",
        ["tasks.retry"] = "Retry tasks (re-drive their dead letters)",
        ["tasks.revoke"] = "Revoke tasks",
        ["tasks.delete"] = "Delete task records",
        ["queue.purge"] = "Purge a queue",
        ["queue.pause"] = "Pause consuming a queue",
        ["queue.resume"] = "Resume consuming a queue",
        ["entity.revoke"] = "Revoke an entity's unfinished tasks",
    };

    public static async Task HandleAsync(HttpContext http, string prefix, string action)
    {
        var r = await DashboardRequest.CreateAsync(http, prefix).ConfigureAwait(false);
        DashboardRoutes.SecurityHeaders(http);
        if (!r.CanAct)
        {
            await PlainAsync(http, StatusCodes.Status403Forbidden, r.Operators is null
                ? "TaskFlow dashboard: actions need the state store (their audit log lives there); nothing was done."
                : "TaskFlow dashboard: you may only view (read-only); nothing was done.").ConfigureAwait(false);
            return;
        }

        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            await PlainAsync(http, StatusCodes.Status400BadRequest, "TaskFlow dashboard: the form's anti-forgery token is missing or invalid; nothing was done. Reload the page and try again.").ConfigureAwait(false);
            return;
        }

        if (!Titles.TryGetValue(action, out var title))
        {
            await PlainAsync(http, StatusCodes.Status404NotFound, $"TaskFlow dashboard: unknown action '{action}'.").ConfigureAwait(false);
            return;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var back = form["return"].ToString();
        if (!back.StartsWith(r.BasePath + "/", StringComparison.Ordinal) && back != r.BasePath || back.StartsWith("//", StringComparison.Ordinal))
        {
            back = r.Url("/");
        }

        if (!string.Equals(form["confirmed"], "yes", StringComparison.Ordinal))
        {
            await ConfirmPageAsync(r, action, title, form).ConfigureAwait(false);
            return;
        }

        var (schema, _) = await r.Store!.GetSchemaVersionAsync(http.RequestAborted).ConfigureAwait(false);
        if (schema < AuditSchemaVersion)
        {
            await PlainAsync(http, StatusCodes.Status409Conflict, $"TaskFlow dashboard: the state store's schema is at version {schema}; the audit log needs version {AuditSchemaVersion}: run 'taskflow schema apply' (or start the application with ApplySchemaAutomatically). Nothing was done.").ConfigureAwait(false);
            return;
        }

        var logger = Logger(http);
        var audit = new AuditEntry(DateTimeOffset.UtcNow, r.UserName, action, "", Describe(form), null);
        string notice;
        try
        {
            (var target, notice) = await ExecuteAsync(r, action, form, http.RequestAborted).ConfigureAwait(false);
            audit = audit with { Target = target, Outcome = notice };
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or TaskPublishException or System.Data.Common.DbException or TimeoutException)
        {
            notice = $"{title} failed: {ex.Message}";
            audit = audit with { Target = form["queue"].ToString() is { Length: > 0 } q ? q : "-", Outcome = notice };
            DashboardLog.ActionFailed(logger, ex, action, audit.UserName);
        }

        await r.Operators!.AppendAuditAsync(audit, CancellationToken.None).ConfigureAwait(false);
        DashboardLog.ActionDone(logger, action, audit.UserName, audit.Target, notice);
        http.Response.Redirect(back + (back.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "notice=" + Uri.EscapeDataString(notice));
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
    }

    private static async Task<(string Target, string Notice)> ExecuteAsync(DashboardRequest r, string action, IFormCollection form, CancellationToken cancellationToken)
    {
        var ids = form["id"].Where(id => !string.IsNullOrWhiteSpace(id)).Select(id => id!.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var store = r.Store!;
        switch (action)
        {
            case "dead.redrive":
            case "dead.discard":
            {
                var admin = Admin(r);
                var queue = Required(form, "queue");
                var filter = new DeadLetterFilter();
                var scope = form["scope"].ToString();
                if (scope == "ids")
                {
                    if (ids.Count == 0)
                    {
                        throw new ArgumentException("select at least one dead letter");
                    }

                    filter.TaskIds.UnionWith(ids);
                }
                else if (scope == "group")
                {
                    filter.TaskName = Optional(form, "task");
                    filter.ExceptionType = Optional(form, "exception");
                }
                else if (scope != "all")
                {
                    throw new ArgumentException($"unknown scope '{scope}' (ids, group or all)");
                }

                var redrive = action == "dead.redrive";
                var result = redrive
                    ? await admin.RedriveDeadLettersAsync(queue, filter, null, cancellationToken).ConfigureAwait(false)
                    : await admin.DiscardDeadLettersAsync(queue, filter, null, cancellationToken).ConfigureAwait(false);
                var verb = redrive ? "re-drove" : "discarded";
                return (queue, $"{verb} {result.Done:N0} of {result.Matched:N0} matching dead letter(s) from {result.DeadLetterQueue}; {result.Failed:N0} failed, {result.Remaining:N0} left");
            }

            case "tasks.revoke":
            {
                ids = await SelectedOrMatchingAsync(r, form, ids, cancellationToken).ConfigureAwait(false);
                var revoked = await store.RevokeAsync(ids, cancellationToken).ConfigureAwait(false);
                return (Target(ids), $"revoked {revoked:N0} of {ids.Count:N0} task(s); the others had already finished");
            }

            case "tasks.delete":
            {
                ids = await SelectedOrMatchingAsync(r, form, ids, cancellationToken).ConfigureAwait(false);
                var result = await r.Operators!.DeleteTasksAsync(ids, cancellationToken).ConfigureAwait(false);
                return (Target(ids), $"deleted {result.Deleted:N0} of {ids.Count:N0} task record(s); kept {result.SkippedUnfinished:N0} unfinished (only finished tasks are deleted); {result.NotFound:N0} not found");
            }

            case "queue.pause":
            {
                var queue = Required(form, "queue");
                var paused = await r.Operators!.PauseQueueAsync(queue, r.UserName, Optional(form, "reason"), cancellationToken).ConfigureAwait(false);
                return (queue, paused
                    ? $"paused queue '{queue}': workers stop consuming it within a second or two; its messages stay in the queue"
                    : $"queue '{queue}' was paused already");
            }

            case "queue.resume":
            {
                var queue = Required(form, "queue");
                var resumed = await r.Operators!.ResumeQueueAsync(queue, cancellationToken).ConfigureAwait(false);
                return (queue, resumed ? $"resumed queue '{queue}': workers consume it again within a second or two" : $"queue '{queue}' was not paused");
            }

            case "tasks.retry":
            {
                var admin = Admin(r);
                ids = await SelectedOrMatchingAsync(r, form, ids, cancellationToken).ConfigureAwait(false);
                var byQueue = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
                var unknown = 0;
                foreach (var id in ids)
                {
                    var info = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
                    if (info?.Queue is not { } queue)
                    {
                        unknown++;
                        continue;
                    }

                    if (!byQueue.TryGetValue(queue, out var set))
                    {
                        byQueue[queue] = set = new HashSet<string>(StringComparer.Ordinal);
                    }

                    set.Add(id);
                }

                long done = 0, failed = 0;
                foreach (var (queue, set) in byQueue)
                {
                    var filter = new DeadLetterFilter();
                    filter.TaskIds.UnionWith(set);
                    var result = await admin.RedriveDeadLettersAsync(queue, filter, null, cancellationToken).ConfigureAwait(false);
                    done += result.Done;
                    failed += result.Failed;
                }

                var without = ids.Count - unknown - done - failed;
                return (Target(ids), $"re-drove {done:N0} of {ids.Count:N0} task(s) from their dead-letter queues; {failed:N0} failed; {without + unknown:N0} had no dead letter (only dead-lettered tasks can be retried)");
            }

            case "queue.purge":
            {
                var admin = Admin(r);
                var queue = Required(form, "queue");
                var revoked = 0;
                var result = await admin.PurgeAsync(queue, async (taskId, ct) =>
                {
                    if (taskId is not null && await store.RevokeAsync(taskId, ct).ConfigureAwait(false))
                    {
                        revoked++;
                    }
                }, cancellationToken).ConfigureAwait(false);
                return (queue, $"purged {result.Purged:N0} message(s) from queue '{queue}'; recorded {revoked:N0} task(s) revoked; {result.Remaining:N0} ready message(s) left");
            }

            case "entity.revoke":
            {
                var key = Required(form, "entity");
                var revoked = await store.RevokeEntityAsync(key, cancellationToken).ConfigureAwait(false);
                return (key, $"revoked {revoked.Count:N0} unfinished task(s) of entity '{key}'");
            }

            default:
                throw new ArgumentException($"unknown action '{action}'");
        }
    }

    /// <summary>The selected ids, or (<c>scope=matching</c>) every task the posted filter selects, up to <see cref="MaxMatching"/>.</summary>
    private static async Task<List<string>> SelectedOrMatchingAsync(DashboardRequest r, IFormCollection form, List<string> ids, CancellationToken cancellationToken)
    {
        if (form["scope"] != "matching")
        {
            return ids.Count > 0 ? ids : throw new ArgumentException("select at least one task");
        }

        var filter = TaskFilter.Parse(name => form[name].ToString() is { Length: > 0 } v ? v.Trim() : null, DateTimeOffset.UtcNow);
        if (filter.Error is not null)
        {
            throw new ArgumentException(filter.Error);
        }

        var all = new List<string>();
        var query = filter.Query with { Limit = TaskQuery.MaxLimit };
        while (all.Count < MaxMatching)
        {
            var page = await r.Store!.QueryTasksAsync(query, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Tasks.Select(t => t.TaskId));
            if (page.NextCursor is null)
            {
                break;
            }

            query = query with { Cursor = page.NextCursor };
        }

        return all;
    }

    private static RabbitMqQueueAdmin Admin(DashboardRequest r) =>
        r.Admin ?? throw new InvalidOperationException("this application has no RabbitMQ queue admin (UseRabbitMq) registered");

    private static string Required(IFormCollection form, string name) =>
        Optional(form, name) ?? throw new ArgumentException($"the form has no '{name}'");

    private static string? Optional(IFormCollection form, string name) => form[name].ToString() is { Length: > 0 } value ? value.Trim() : null;

    private static string Target(List<string> ids) => ids.Count <= 10 ? string.Join(",", ids) : $"{string.Join(",", ids.Take(10))} and {ids.Count - 10:N0} more";

    /// <summary>The action's parameters for the audit log (not the token, not the way back).</summary>
    private static string Describe(IFormCollection form)
    {
        var text = new StringBuilder();
        foreach (var (key, values) in form)
        {
            if (key is "return" or "confirmed" || key.StartsWith("__", StringComparison.Ordinal))
            {
                continue;
            }

            var joined = values.Count <= 10 ? string.Join(",", values.ToArray()) : $"{string.Join(",", values.ToArray().Take(10))} and {values.Count - 10} more";
            text.Append(key).Append('=').Append(joined).Append(' ');
        }

        return text.ToString().Trim();
    }

    /// <summary>The confirmation step without JavaScript: the same fields, confirmed, with a fresh token.</summary>
    private static async Task ConfirmPageAsync(DashboardRequest r, string action, string title, IFormCollection form)
    {
        var main = new StringBuilder();
        main.Append("<h1>").Append(Html.E(title)).Append("?</h1><p>Please confirm: ").Append(Html.E(Describe(form))).Append("</p>")
            .Append("<form method=\"post\" action=\"").Append(r.Url("/actions/" + action)).Append("\">").Append(r.AntiforgeryField());
        foreach (var (key, values) in form)
        {
            if (key is "confirmed" || key.StartsWith("__", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var value in values)
            {
                main.Append(Layout.Hidden(key, value ?? ""));
            }
        }

        main.Append(Layout.Hidden("confirmed", "yes"))
            .Append("<button type=\"submit\" class=\"act\" data-action=\"").Append(action).Append("\">Confirm</button> <a href=\"")
            .Append(Html.E(form["return"].ToString() is { Length: > 0 } back && back.StartsWith(r.BasePath, StringComparison.Ordinal) ? back : r.Url("/"))).Append("\">Cancel</a></form>");
        r.Http.Response.ContentType = "text/html; charset=utf-8";
        await r.Http.Response.WriteAsync(Layout.Render(r, new PageContent("confirm", title, main.ToString())), r.Http.RequestAborted).ConfigureAwait(false);
    }

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(DashboardLog.Category);

    private static async Task PlainAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(message, http.RequestAborted).ConfigureAwait(false);
    }
}
