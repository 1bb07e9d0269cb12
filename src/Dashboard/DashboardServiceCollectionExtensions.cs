using System;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Dashboard.Internal;

namespace TaskFlow.Dashboard;

/// <summary>Registers the dashboard's services: <c>services.AddTaskFlowDashboard()</c>, then <c>app.MapTaskFlowDashboard("/taskflow")</c>.</summary>
public static class DashboardServiceCollectionExtensions
{
    /// <summary>
    /// Registers the dashboard (its options and ASP.NET Core anti-forgery). It reads the application's TaskFlow services:
    /// the state store (<c>AddStateStore</c>: tasks, workers, entities, audit log), the RabbitMQ queue admin
    /// (<c>UseRabbitMq</c>: queues, dead letters) and the <c>taskflow</c> health check where registered.
    /// </summary>
    public static IServiceCollection AddTaskFlowDashboard(this IServiceCollection services, Action<TaskFlowDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<TaskFlowDashboardOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o =>
        {
            o.Validate();
            return true;
        });
        options.ValidateOnStart();
        services.AddAntiforgery();
        services.AddSingleton<DashboardMarker>();
        return services;
    }
}
