using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TaskFlow.Dashboard.Pages;

namespace TaskFlow.Dashboard.Internal;

/// <summary>The dashboard's endpoints in its route group: the pages (GET), the assets, the live stream and the actions (POST).</summary>
internal static class DashboardRoutes
{
    public const string PartialHeader = "X-TaskFlow-Partial";

    public static void Map(RouteGroupBuilder group, string prefix)
    {
        MapPage(group, "/", prefix, OverviewPage.RenderAsync); // also answers the prefix without its slash
        MapPage(group, "/queues", prefix, QueuesPage.RenderAsync);
        MapPage(group, "/workers", prefix, WorkersPage.RenderAsync);
        MapPage(group, "/tasks", prefix, TasksPage.RenderAsync);
        MapPage(group, "/tasks/{id}", prefix, TaskDetailPage.RenderAsync);
        MapPage(group, "/dead", prefix, DeadLettersPage.RenderAsync);
        MapPage(group, "/entities", prefix, EntitiesPage.RenderAsync);
        MapPage(group, "/audit", prefix, AuditPage.RenderAsync);
        MapPage(group, "/schedules", prefix, r => Task.FromResult(PlaceholderPage.Render("schedules", "Schedules", "Periodic schedules (their next and last runs, pause and trigger) appear here once the scheduler is part of this deployment.")));
        MapPage(group, "/workflows", prefix, r => Task.FromResult(PlaceholderPage.Render("workflows", "Workflows", "Chains, groups and chords with their database-level state appear here once workflows are part of this deployment.")));
        group.MapGet("/assets/{name}", (HttpContext http, string name) =>
        {
            if (!DashboardAssets.TryGet(name, out var content, out var type))
            {
                return Results.NotFound();
            }

            http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Bytes(content, type);
        }).ExcludeFromDescription();
        group.MapGet("/events", (HttpContext http) => LiveEvents.StreamAsync(http, prefix)).ExcludeFromDescription();
        group.MapPost("/actions/{action}", (HttpContext http, string action) => DashboardActions.HandleAsync(http, prefix, action))
            .DisableAntiforgery() // validated by the handler itself (IAntiforgery.ValidateRequestAsync), with or without app.UseAntiforgery()
            .ExcludeFromDescription();
    }

    private static void MapPage(RouteGroupBuilder group, string pattern, string prefix, Func<DashboardRequest, Task<PageContent>> render) =>
        group.MapGet(pattern, (HttpContext http) => RenderAsync(http, prefix, render)).ExcludeFromDescription();

    private static async Task RenderAsync(HttpContext http, string prefix, Func<DashboardRequest, Task<PageContent>> render)
    {
        var request = await DashboardRequest.CreateAsync(http, prefix).ConfigureAwait(false);
        PageContent page;
        try
        {
            page = await render(request).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            DashboardLog.PageFailed(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(DashboardLog.Category), ex, http.Request.Path.Value);
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            page = new PageContent("error", "Error", $"<h1>Something failed</h1><p class=\"error\">{Html.E(ex.GetType().Name)}: {Html.E(ex.Message)}</p>");
        }

        SecurityHeaders(http);
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        var partial = string.Equals(http.Request.Headers[PartialHeader], "1", StringComparison.Ordinal);
        await http.Response.WriteAsync(partial ? page.Main : Layout.Render(request, page), http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Only our own script and stylesheet run; no framing (clickjacking of the action buttons).</summary>
    public static void SecurityHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
    }
}
