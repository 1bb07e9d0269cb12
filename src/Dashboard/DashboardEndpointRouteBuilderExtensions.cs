using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Dashboard.Internal;

namespace TaskFlow.Dashboard;

/// <summary>Mounts the dashboard into an ASP.NET Core application.</summary>
public static class DashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the dashboard's pages, its live-update stream, its assets and its actions under <paramref name="prefix"/>.
    /// Returns the route group, so that <c>.RequireAuthorization("ops")</c> (or any other convention) applies to every
    /// page and action. Needs <see cref="DashboardServiceCollectionExtensions.AddTaskFlowDashboard"/>.
    /// </summary>
    /// <param name="endpoints">The application.</param>
    /// <param name="prefix">Where it lives, e.g. <c>/taskflow</c>.</param>
    /// <exception cref="InvalidOperationException"><c>AddTaskFlowDashboard()</c> was not called.</exception>
    public static RouteGroupBuilder MapTaskFlowDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/taskflow")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        if (endpoints.ServiceProvider.GetService<DashboardMarker>() is null)
        {
            throw new InvalidOperationException("TaskFlow dashboard: call builder.Services.AddTaskFlowDashboard() before app.MapTaskFlowDashboard(...).");
        }

        prefix = "/" + prefix.Trim('/');
        var group = endpoints.MapGroup(prefix);
        DashboardRoutes.Map(group, prefix == "/" ? "" : prefix);
        return group;
    }
}
