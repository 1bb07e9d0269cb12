using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using RabbitMQ.Client;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.State;
using TaskFlow.TestSupport;

namespace TaskFlow.Dashboard.Tests;

/// <summary>
/// An ASP.NET Core application as a user would write it: TaskFlow with the RabbitMQ transport, the state store in a
/// schema of its own, a worker on a queue of its own, the health check, and the dashboard mounted at <c>/taskflow</c>
/// behind authentication (any signed-in user views; role <c>ops</c> acts). Listens on a free loopback port.
/// </summary>
public sealed class DashboardApp : IAsyncDisposable
{
    private static readonly Lazy<NpgsqlDataSource> DataSource = new(() => NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString));
    private readonly WebApplication _app;

    private DashboardApp(WebApplication app, string schema, string queue, string workerName, string baseUrl)
    {
        _app = app;
        Schema = schema;
        Queue = queue;
        WorkerName = workerName;
        BaseUrl = baseUrl;
    }

    public string Schema { get; }

    public string Queue { get; }

    public string WorkerName { get; }

    /// <summary>The dashboard's URL, e.g. <c>http://127.0.0.1:41234/taskflow</c>.</summary>
    public string BaseUrl { get; }

    public TaskStateStore Store => _app.Services.GetRequiredService<TaskStateStore>();

    public IServiceProvider Services => _app.Services;

    public DashboardTasks.Client Tasks => _app.Services.GetRequiredService<DashboardTasks.Client>();

    public SendOptions Options(string? entityKey = null) => new() { Queue = Queue, EntityKey = entityKey };

    public static async Task<DashboardApp> StartAsync()
    {
        var schema = "tf_dash_" + Guid.NewGuid().ToString("N")[..10];
        var queue = "tf-dash-" + Guid.NewGuid().ToString("N")[..10];
        var workerName = "dash-test-" + Guid.NewGuid().ToString("N")[..6];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddTaskFlow()
            .UseRabbitMq(o => o.ConnectionUri = TestEnvironment.BrokerUri)
            .AddTaskFlowDashboardTestsTasks()
            .AddStateStore(o =>
            {
                o.UsePostgreSql(DataSource.Value);
                o.Schema = schema;
                o.CleanupInterval = TimeSpan.Zero;
                o.WorkerHeartbeatInterval = TimeSpan.FromSeconds(1);
            })
            .AddWorker(w =>
            {
                w.AddQueue(queue, concurrency: 4);
                w.WorkerName = workerName;
                w.ShutdownGracePeriod = TimeSpan.FromSeconds(2);
            });
        builder.Services.AddHealthChecks().AddTaskFlow();
        builder.Services.AddAuthentication(HeaderAuthentication.SchemeName).AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.SchemeName, null);
        builder.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireRole("ops")));
        builder.Services.AddTaskFlowDashboard(o =>
        {
            o.ActionsPolicy = "ops";
            o.RefreshInterval = TimeSpan.FromMilliseconds(500);
        });
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapTaskFlowDashboard("/taskflow").RequireAuthorization();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var result = new DashboardApp(app, schema, queue, workerName, address.TrimEnd('/') + "/taskflow");
        await app.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(30));
        return result;
    }

    /// <summary>Deletes a queue of a test (and its dead-letter queue), best effort.</summary>
    public static async Task DeleteQueueAsync(string queue)
    {
        try
        {
            await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(queue + ".dead");
        }
        catch (Exception)
        {
            // best effort
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _app.StopAsync(stop.Token);
        }
        finally
        {
            await _app.DisposeAsync();
            try
            {
                await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
                await using var channel = await connection.CreateChannelAsync();
                await channel.QueueDeleteAsync(Queue);
                await channel.QueueDeleteAsync(Queue + ".dead");
            }
            catch (Exception)
            {
                // best effort
            }

            await using var db = await DataSource.Value.OpenConnectionAsync();
            await db.ExecuteAsync($"DROP SCHEMA IF EXISTS {Schema} CASCADE");
        }
    }
}
