using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Dapper;
using Npgsql;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.State;

namespace TaskFlow.Benchmarks;

/// <summary>
/// TaskFlow as an application uses it: the generated <c>BenchTasks.Client</c> (<c>DelayAsync</c>) from DI for
/// sending, and the real <see cref="TaskFlowWorker"/> hosted in a generic host for consuming. Logging is
/// registered without providers, as the baseline logs nothing either. With <c>withStateStore</c> (side
/// <c>taskflow-state</c>) the PostgreSQL state store is on with its defaults: the idempotency read before each
/// task, started and final states recorded, the ack sent after the final state is committed.
/// </summary>
internal sealed class TaskFlowScenario : IScenario
{
    // {"callbacks":null,"errbacks":null,"chain":null,"chord":null}: the embed TaskFlow writes (Celery protocol v2).
    private const int EmbedLength = 60;

    private readonly Broker _broker;
    private readonly BenchOptions _options;
    private readonly BenchArguments _payload;
    private readonly bool _withStateStore;

    public TaskFlowScenario(Broker broker, BenchOptions options, bool withStateStore)
    {
        _broker = broker;
        _options = options;
        _withStateStore = withStateStore;
        _payload = new BenchArguments(PayloadLengthForBaseline, options.VariedArguments);
    }

    public string Name => _withStateStore ? "taskflow-state" : "taskflow";

    /// <summary>The body, <c>[[sentAt,"payload"],{},{embed}]</c>, as long as the baseline's.</summary>
    public static int BodyLength(int payloadLength) =>
        11 + Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture).Length + payloadLength + EmbedLength;

    /// <summary>(a) N confirmed enqueues by <see cref="BenchOptions.Window"/> concurrent callers of DelayAsync.</summary>
    public Task<Measurement> SendAsync(string queue, int messages) =>
        TimeSendingAsync(queue, messages, tasks => EnqueueManyAsync(tasks, messages));

    /// <summary>
    /// (d) N confirmed enqueues in one <c>DelayManyAsync</c> call (pipelined within the publisher's confirm window). The
    /// items (the caller's data) are built before the clock starts; the call, every envelope and every confirm are timed.
    /// </summary>
    public Task<Measurement> SendBatchAsync(string queue, int messages)
    {
        var items = new (long, string)[messages];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = (Stopwatch.GetTimestamp(), _payload[i]);
        }

        return TimeSendingAsync(queue, messages, async tasks =>
        {
            var handles = await tasks.Noop.DelayManyAsync(items).ConfigureAwait(false);
            if (handles.Count != messages)
            {
                throw new InvalidOperationException($"taskflow (d): {handles.Count} handles for {messages} tasks");
            }
        });
    }

    private async Task<Measurement> TimeSendingAsync(string queue, int messages, Func<BenchTasks.Client, Task> send)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var state = _withStateStore ? await StateSchema.CreateAsync(_options.StateConnectionString).ConfigureAwait(false) : null;
        var flow = services.AddTaskFlow(o => o.DefaultQueue = queue).UseRabbitMq(Configure).AddTaskFlowBenchmarksTasks();
        state?.AddTo(flow);
        var provider = services.BuildServiceProvider();
        try
        {
            var tasks = provider.GetRequiredService<BenchTasks.Client>();

            // Untimed, like the baseline's connect and declare: opens the connection, declares the queue and
            // opens every publish lane (lanes are picked round robin).
            var lanes = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<RabbitMqOptions>>().Value.PublishChannels;
            for (var i = 0; i < lanes; i++)
            {
                await tasks.Noop.DelayAsync(Stopwatch.GetTimestamp(), _payload.Next()).ConfigureAwait(false);
            }

            var before = Snapshot.Take();
            await send(tasks).ConfigureAwait(false);
            var after = Snapshot.Take();
            return Measurement.Between(before, after, messages);
        }
        finally
        {
            // The store (and its writer) first, then its schema.
            await provider.DisposeAsync().ConfigureAwait(false);
            if (state is not null)
            {
                await state.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>(b) Pre-fill N tasks, then start the worker; timed from the first to the last task run.</summary>
    public async Task<Measurement> ConsumeAsync(string queue, int messages)
    {
        var state = _withStateStore ? await StateSchema.CreateAsync(_options.StateConnectionString).ConfigureAwait(false) : null;
        var host = BuildHost(queue, state);
        try
        {
            var tasks = host.Services.GetRequiredService<BenchTasks.Client>();
            await EnqueueManyAsync(tasks, messages).ConfigureAwait(false);
            var ready = await _broker.MessageCountAsync(queue).ConfigureAwait(false);
            if (ready != messages)
            {
                throw new InvalidOperationException($"taskflow (b): {ready} messages ready in {queue}, expected {messages}");
            }

            Probe.Reset(messages);
            await host.StartAsync().ConfigureAwait(false);
            try
            {
                await Probe.Done.WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                var measured = Measurement.Between(Probe.First, Probe.Last, messages - 1);
                if (state is not null)
                {
                    // The store really recorded every task (stopping the host flushed the writer).
                    await host.StopAsync().ConfigureAwait(false);
                    var recorded = await state.CountSucceededAsync().ConfigureAwait(false);
                    if (recorded < messages)
                    {
                        throw new InvalidOperationException($"taskflow-state (b): {recorded} succeeded records for {messages} tasks");
                    }
                }

                return measured;
            }
            finally
            {
                await host.StopAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await DisposeAsync(host).ConfigureAwait(false);
            if (state is not null)
            {
                await state.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>(c) One task at a time: from just before DelayAsync to the task body running.</summary>
    public async Task<Measurement> LatencyAsync(string queue, int messages, int warmup)
    {
        var state = _withStateStore ? await StateSchema.CreateAsync(_options.StateConnectionString).ConfigureAwait(false) : null;
        var host = BuildHost(queue, state);
        try
        {
            var tasks = host.Services.GetRequiredService<BenchTasks.Client>();
            Probe.Reset(int.MaxValue);
            await host.StartAsync().ConfigureAwait(false);
            try
            {
                await host.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                var latencies = new long[messages];
                Snapshot before = default;
                for (var i = -warmup; i < messages; i++)
                {
                    if (i == 0)
                    {
                        before = Snapshot.Take();
                    }

                    var ran = Probe.ArmLatency();
                    var sent = Stopwatch.GetTimestamp();
                    await tasks.Noop.DelayAsync(sent, _payload.Next()).ConfigureAwait(false);
                    var at = await ran.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                    if (i >= 0)
                    {
                        latencies[i] = at - sent;
                    }
                }

                var after = Snapshot.Take();
                return Measurement.Between(before, after, messages).WithLatencies(latencies);
            }
            finally
            {
                await host.StopAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await DisposeAsync(host).ConfigureAwait(false);
            if (state is not null)
            {
                await state.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async ValueTask DisposeAsync(IHost host)
    {
        if (host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            host.Dispose();
        }
    }

    private IHost BuildHost(string queue, StateSchema? state)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        var flow = builder.Services.AddTaskFlow(o => o.DefaultQueue = queue).UseRabbitMq(Configure).AddTaskFlowBenchmarksTasks();
        state?.AddTo(flow);
        flow.AddWorker(w =>
        {
            w.AddQueue(queue, concurrency: _options.Concurrency, prefetch: _options.Prefetch);
            w.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
        });
        return builder.Build();
    }

    private async Task EnqueueManyAsync(BenchTasks.Client tasks, int messages)
    {
        var issued = 0;
        async Task CallerAsync()
        {
            while (Interlocked.Increment(ref issued) <= messages)
            {
                await tasks.Noop.DelayAsync(Stopwatch.GetTimestamp(), _payload.Next()).ConfigureAwait(false);
            }
        }

        var callers = new Task[Math.Min(_options.Window, messages)];
        for (var i = 0; i < callers.Length; i++)
        {
            callers[i] = CallerAsync();
        }

        await Task.WhenAll(callers).ConfigureAwait(false);
    }

    private void Configure(RabbitMqOptions options)
    {
        options.ConnectionUri = _options.Uri;
        options.ClientName = "taskflow-bench:taskflow";
        options.ExchangeName = _broker.Exchange;
        options.DeadLetterExchangeName = _broker.DeadLetterExchange;
        options.DelayExchangePrefix = _broker.DelayPrefix;
        options.DeliveryLimit = Broker.DeliveryLimit;
        options.QueueType = QueueType.Quorum;
    }

    /// <summary>Padding that makes the body as long as the baseline's.</summary>
    public static int PayloadLengthForBaseline => Math.Max(1, RawBaseline.BodySize - BodyLength(0));

    /// <summary>A fresh state-store schema for one run (applied untimed, like the queue declaration), dropped afterwards.</summary>
    internal sealed class StateSchema : IAsyncDisposable
    {
        private readonly NpgsqlDataSource _dataSource;
        private readonly string _schema;

        private StateSchema(NpgsqlDataSource dataSource, string schema)
        {
            _dataSource = dataSource;
            _schema = schema;
        }

        public static async Task<StateSchema> CreateAsync(string connectionString)
        {
            var state = new StateSchema(NpgsqlDataSource.Create(connectionString), "tf_bench_" + Guid.NewGuid().ToString("N")[..12]);
            var services = new ServiceCollection();
            services.AddLogging();
            state.AddTo(services.AddTaskFlow());
            var provider = services.BuildServiceProvider();
            await using (provider.ConfigureAwait(false))
            {
                var store = provider.GetRequiredService<TaskStateStore>();
                await store.ApplySchemaAsync().ConfigureAwait(false);
                var statements = store.Database.Dialect.States;
                state.HotStatements = (statements.SelectAmong, ((TaskFlow.State.Internal.PostgreSqlStateBatchUpsert)statements.UpsertBatch).Sql);
            }

            return state;
        }

        public string Schema => _schema;

        public NpgsqlDataSource DataSource => _dataSource;

        /// <summary>The idempotency read and the batch upsert exactly as this schema's store runs them.</summary>
        public (string Read, string Upsert) HotStatements { get; private set; }

        public void AddTo(TaskFlowBuilder flow) => flow.AddStateStore(o =>
        {
            o.UsePostgreSql(_dataSource);
            o.Schema = _schema;
            o.RunOutboxRelay = false;
        });

        public async Task<long> CountSucceededAsync()
        {
            var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                return await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {_schema}.task_state WHERE state = {(int)TaskState.Succeeded}").ConfigureAwait(false);
            }
        }

        public async ValueTask DisposeAsync()
        {
            var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE").ConfigureAwait(false);
            }

            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}
