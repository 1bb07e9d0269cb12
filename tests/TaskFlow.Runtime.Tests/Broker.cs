using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using TaskFlow.RabbitMq;
using TaskFlow.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TaskFlow.TestSupport;

namespace TaskFlow.Runtime.Tests;

/// <summary>The real local broker the test command starts (scripts/test.sh -> scripts/rabbitmq.sh).</summary>
internal static class Broker
{
    public static async Task<IConnection> ConnectAsync()
    {
        try
        {
            return await new ConnectionFactory { Uri = TestEnvironment.BrokerUri, ClientProvidedName = "taskflow-tests" }.CreateConnectionAsync();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"RabbitMQ is not reachable at {TestEnvironment.BrokerUri}: run the tests with scripts/test.sh, which installs and starts it.", ex);
        }
    }

    public static string UniqueName(string prefix) => $"tf-test-{prefix}-{Guid.NewGuid():N}"[..Math.Min(60, 18 + prefix.Length + 20)];

    /// <summary>Reads everything currently in a queue (basic.get + ack), waiting until at least <paramref name="expected"/> messages arrived.</summary>
    public static async Task<List<BasicGetResult>> DrainAsync(IChannel channel, string queue, int expected, TimeSpan timeout)
    {
        var results = new List<BasicGetResult>();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var result = await channel.BasicGetAsync(queue, autoAck: true);
            if (result is null)
            {
                if (results.Count >= expected)
                {
                    break;
                }

                await Task.Delay(50);
                continue;
            }

            results.Add(result);
        }

        return results;
    }

    public static string Header(BasicGetResult message, string name)
    {
        var headers = message.BasicProperties.Headers ?? throw new InvalidOperationException("message has no headers");
        return headers.TryGetValue(name, out var value) switch
        {
            false => throw new KeyNotFoundException($"header '{name}' missing; present: {string.Join(", ", headers.Keys)}"),
            true when value is byte[] bytes => Encoding.UTF8.GetString(bytes),
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
        };
    }

    public static async Task DeleteAsync(IChannel channel, RabbitMqOptions options, params string[] queues)
    {
        foreach (var queue in queues)
        {
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(options.DeadLetterQueueOf(queue));
        }

        await channel.ExchangeDeleteAsync(options.ExchangeName);
        await channel.ExchangeDeleteAsync(options.DeadLetterExchangeName);
    }
}

/// <summary>An isolated TaskFlow set-up: unique exchanges and default queue, a host with the worker when asked.</summary>
internal sealed class TaskFlowTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private TaskFlowTestHost(IHost host, string queue, RabbitMqOptions options)
    {
        _host = host;
        Queue = queue;
        Options = options;
    }

    public string Queue { get; }

    /// <summary>The broker settings of this host (its own exchanges).</summary>
    public RabbitMqOptions Options { get; }

    public IServiceProvider Services => _host.Services;

    public Recorder Recorder => Services.GetRequiredService<Recorder>();

    public TestTasks.Client Tasks => Services.GetRequiredService<TestTasks.Client>();

    public static async Task<TaskFlowTestHost> StartAsync(bool worker = true, Action<TaskFlowOptions>? configure = null, Action<TaskFlowWorkerOptions>? configureWorker = null, bool eager = false, int concurrency = 4, int prefetch = 16, Action<RabbitMqOptions>? rabbit = null, Action<IServiceCollection>? services = null)
    {
        var queue = Broker.UniqueName("q");
        var snapshot = new RabbitMqOptions();
        void Configure(TaskFlowOptions o)
        {
            o.DefaultQueue = queue;
            o.Eager = eager;
            configure?.Invoke(o);
        }

        void ConfigureRabbit(RabbitMqOptions o)
        {
            o.ConnectionUri = TestEnvironment.BrokerUri;
            o.ExchangeName = queue + ".x";
            o.DeadLetterExchangeName = queue + ".dlx";
            rabbit?.Invoke(o);
        }

        ConfigureRabbit(snapshot);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<Recorder>();
        services?.Invoke(builder.Services); // before TaskFlow's own: a seam registered here replaces its default
        var flow = builder.Services.AddTaskFlow(Configure).UseRabbitMq(ConfigureRabbit).AddTaskFlowRuntimeTestsTasks();
        if (worker)
        {
            flow.AddWorker(w =>
            {
                w.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
                w.ShutdownCancellationWait = TimeSpan.FromSeconds(2);
                configureWorker?.Invoke(w);
                if (w.Queues.Count == 0)
                {
                    w.AddQueue(queue, concurrency, prefetch);
                }
            });
        }

        builder.Services.AddHealthChecks().AddTaskFlow();
        var host = builder.Build();
        await host.StartAsync();
        if (worker)
        {
            await host.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return new TaskFlowTestHost(host, queue, snapshot);
    }

    public async Task StopAsync() => await _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            _host.Dispose();
        }

        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await Broker.DeleteAsync(channel, Options, Queue);
    }
}

/// <summary>Side effects of the test tasks, observable from the test.</summary>
public sealed class Recorder
{
    private readonly object _sync = new();
    private readonly List<(string Key, string Value)> _records = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = new();
    private int _running;
    private int _maxRunning;

    public IReadOnlyList<(string Key, string Value)> Records
    {
        get
        {
            lock (_sync)
            {
                return _records.ToList();
            }
        }
    }

    public int MaxConcurrent => Volatile.Read(ref _maxRunning);

    public void Add(string key, string value)
    {
        lock (_sync)
        {
            _records.Add((key, value));
            foreach (var waiter in _waiters.Where(w => _records.Count >= w.Count))
            {
                waiter.Signal.TrySetResult();
            }
        }
    }

    public IDisposable Enter()
    {
        var now = Interlocked.Increment(ref _running);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, seen) != seen)
        {
        }

        return new Exit(this);
    }

    public Task WaitForAsync(int count, TimeSpan timeout)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            if (_records.Count >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((count, signal));
        }

        return signal.Task.WaitAsync(timeout);
    }

    private sealed class Exit(Recorder recorder) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref recorder._running);
    }
}
