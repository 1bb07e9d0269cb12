using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using Xunit.Abstractions;

namespace TaskFlow.Interop.Tests.Infrastructure;

/// <summary>A generic host with TaskFlow pointed at one test's topology; with the worker consuming its queue, or as a client only.</summary>
internal sealed class TaskFlowTestHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _disposed;

    private TaskFlowTestHost(IHost host)
    {
        _host = host;
    }

    public IServiceProvider Services => _host.Services;

    public static async Task<TaskFlowTestHost> StartAsync(InteropTopology topology, ITestOutputHelper output, bool withWorker)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton<CallRecorder<AddNumbersCall>>();
        builder.Services.AddSingleton<CallRecorder<CancellationCall>>();
        var flow = builder.Services.AddTaskFlow(topology.Apply).UseRabbitMq(topology.Apply).AddTaskFlowInteropTestsTasks();
        if (withWorker)
        {
            flow.AddWorker(worker =>
            {
                worker.AddQueue(topology.Queue, concurrency: 1, prefetch: 4);
                worker.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
                worker.ShutdownCancellationWait = TimeSpan.FromSeconds(2);
                worker.WorkerName = "interop-" + topology.Suffix;
            });
        }

        var host = new TaskFlowTestHost(builder.Build());
        try
        {
            await host._host.StartAsync();
            if (withWorker)
            {
                await host.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        output.WriteLine($"[taskflow] host started{(withWorker ? " with a worker" : string.Empty)} on {topology}");
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                await _host.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Disposing below closes the connections anyway.
            }
        }

        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }
}
