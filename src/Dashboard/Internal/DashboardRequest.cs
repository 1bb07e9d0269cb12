using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskFlow.RabbitMq;
using TaskFlow.State;

namespace TaskFlow.Dashboard.Internal;

/// <summary>One request to the dashboard: where it is mounted, what the application offers (store, broker admin), and whether this user may act.</summary>
internal sealed class DashboardRequest
{
    private AntiforgeryTokenSet? _tokens;

    private DashboardRequest(HttpContext http, string prefix, TaskFlowDashboardOptions options)
    {
        Http = http;
        BasePath = http.Request.PathBase.Value + prefix;
        Options = options;
        Store = http.RequestServices.GetService<ITaskStateStore>();
        Operators = http.RequestServices.GetService<TaskStateStore>() ?? Store as TaskStateStore;
        Admin = http.RequestServices.GetService<RabbitMqQueueAdmin>();
    }

    public HttpContext Http { get; }

    /// <summary>The dashboard's root URL path, e.g. <c>/taskflow</c> (with the application's path base).</summary>
    public string BasePath { get; }

    public TaskFlowDashboardOptions Options { get; }

    public ITaskStateStore? Store { get; }

    /// <summary>The store's operator queries (audit log, timeline, leases), when the store is TaskFlow's own.</summary>
    public TaskStateStore? Operators { get; }

    public RabbitMqQueueAdmin? Admin { get; }

    /// <summary>Whether this user may act: not read-only, and satisfies <see cref="TaskFlowDashboardOptions.ActionsPolicy"/>.</summary>
    public bool CanAct { get; private set; }

    /// <summary>Who acts, for the audit log.</summary>
    public string UserName => Http.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
        ? name
        : "anonymous (" + (Http.Connection.RemoteIpAddress?.ToString() ?? "unknown address") + ")";

    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public static async Task<DashboardRequest> CreateAsync(HttpContext http, string prefix)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<TaskFlowDashboardOptions>>().Value;
        var request = new DashboardRequest(http, prefix, options);
        request.CanAct = !options.ReadOnly && request.Operators is not null;
        if (request.CanAct && options.ActionsPolicy is { } policy)
        {
            var authorization = http.RequestServices.GetRequiredService<IAuthorizationService>();
            request.CanAct = (await authorization.AuthorizeAsync(http.User, policy).ConfigureAwait(false)).Succeeded;
        }

        return request;
    }

    public string Url(string path) => BasePath + path;

    public string? Query(string name) => Http.Request.Query.TryGetValue(name, out var value) && value.ToString() is { Length: > 0 } text ? text.Trim() : null;

    /// <summary>The hidden anti-forgery field every action form carries.</summary>
    public string AntiforgeryField()
    {
        _tokens ??= Http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(Http);
        return $"<input type=\"hidden\" name=\"{Html.E(_tokens.FormFieldName)}\" value=\"{Html.E(_tokens.RequestToken)}\">";
    }

    /// <summary>This page's URL (path and query), for an action's way back.</summary>
    public string CurrentUrl() => Http.Request.PathBase.Value + Http.Request.Path.Value + QueryWithout("notice");

    private string QueryWithout(string name)
    {
        var parts = new System.Collections.Generic.List<string>();
        foreach (var (key, values) in Http.Request.Query)
        {
            if (string.Equals(key, name, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var value in values)
            {
                parts.Add(Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(value ?? ""));
            }
        }

        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }
}
