using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using RabbitMQ.Client;
using TaskFlow.Core;
using TaskFlow.State.Internal;

namespace TaskFlow.Benchmarks;

/// <summary>
/// Side <c>raw-state</c>: the floor of what a state store costs a worker, written by hand. The raw baseline's consumer
/// (RabbitMQ.Client, manual acks) with the store's two guarantees kept the cheapest way there is: every delivery
/// waiting is taken as one batch, one idempotency read for the batch (the store's own <c>SELECT ... WHERE task_id =
/// ANY(@Ids)</c>), the no-op "task" run for each id not already final, one upsert of the batch's final rows (the
/// store's own prepared statement from 18 arrays, rows as large as TaskFlow's: its argument and header text), and one
/// ack with <c>multiple</c> once that is committed. One loop, one connection held open, no per-task objects beyond the
/// delivery's; nothing of TaskFlow's runtime. What TaskFlow's store side spends per task beyond this is TaskFlow's own.
/// Sending (a, d) is the raw baseline's: the store writes nothing when a task is sent (RecordPending is off).
/// </summary>
internal sealed class RawStoreBaseline : IScenario
{
    private readonly Broker _broker;
    private readonly BenchOptions _options;
    private readonly RawBaseline _sending;
    private readonly RawBaseline _consuming;
    private readonly string[] _arguments;
    private readonly string? _headers;
    private TaskFlowScenario.StateSchema? _state;

    public RawStoreBaseline(Broker broker, BenchOptions options)
    {
        _broker = broker;
        _options = options;
        _sending = new RawBaseline(broker, options);
        // The raw code's pre-fill, timing and latency loop; each message with its own id, consumed through the store.
        _consuming = new RawBaseline(broker, options, Name, Properties, async queue => await StoreConsumer.StartAsync(this, _state!, queue).ConfigureAwait(false));
        // The text columns as TaskFlow's store fills them for the benchmark's task (the same envelope code): one argument
        // text per row, in turn, from the same texts TaskFlow's sides send (--arguments).
        var flow = new TaskFlowOptions();
        flow.SerializerOptions.MakeReadOnly(populateMissingResolver: true);
        var texts = new BenchArguments(TaskFlowScenario.PayloadLengthForBaseline, options.VariedArguments);
        _arguments = new string[texts.Count];
        for (var i = 0; i < _arguments.Length; i++)
        {
            var envelope = TaskEnvelope.Create(
                BenchTasks.Client.NoopDescriptor,
                new BenchTasks.Client.NoopArguments(Stopwatch.GetTimestamp(), texts[i]),
                options: null,
                flow,
                DateTimeOffset.UtcNow,
                $"gen{Environment.ProcessId}@{Environment.MachineName}");
            _arguments[i] = ArgumentsText.Of(envelope) ?? string.Empty;
            _headers ??= HeadersText.Of(envelope) ?? string.Empty;
        }

        _headers ??= string.Empty;
    }

    public string Name => "raw-state";

    public Task<Measurement> SendAsync(string queue, int messages) => _sending.SendAsync(queue, messages);

    public Task<Measurement> SendBatchAsync(string queue, int messages) => _sending.SendBatchAsync(queue, messages);

    /// <summary>(b) As the raw side (pre-fill, then timed from the first to the last task run), through the store; then checks every final state was recorded.</summary>
    public async Task<Measurement> ConsumeAsync(string queue, int messages)
    {
        _state = await TaskFlowScenario.StateSchema.CreateAsync(_options.StateConnectionString).ConfigureAwait(false);
        await using (_state.ConfigureAwait(false))
        {
            // The consumer has acked its last batch and stopped when this returns.
            var measured = await _consuming.ConsumeAsync(queue, messages).ConfigureAwait(false);
            var command = _state.DataSource.CreateCommand($"SELECT count(*) FROM {_state.Schema}.task_state WHERE state = {(int)TaskFlow.TaskState.Succeeded}");
            await using (command.ConfigureAwait(false))
            {
                var succeeded = Convert.ToInt64(await command.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                if (succeeded != messages)
                {
                    throw new InvalidOperationException($"raw-state (b): {succeeded} final states recorded for {messages} tasks");
                }
            }

            return measured;
        }
    }

    /// <summary>(c) As the raw side: from just before publish to the task running (after its idempotency read).</summary>
    public async Task<Measurement> LatencyAsync(string queue, int messages, int warmup)
    {
        _state = await TaskFlowScenario.StateSchema.CreateAsync(_options.StateConnectionString).ConfigureAwait(false);
        await using (_state.ConfigureAwait(false))
        {
            return await _consuming.LatencyAsync(queue, messages, warmup).ConfigureAwait(false);
        }
    }

    /// <summary>Persistent, with the task's id as the message id (the store's key).</summary>
    private static BasicProperties Properties() => new() { DeliveryMode = DeliveryModes.Persistent, MessageId = TaskEnvelope.NewTaskId() };

    /// <summary>Deliveries queued by the client's dispatcher; one loop reads, runs, writes and acks them in batches.</summary>
    private sealed class StoreConsumer : AsyncDefaultBasicConsumer, IAsyncDisposable
    {
        private const int MaxBatch = 1000;

        // The store's final states (succeeded, failed, revoked, expired, dead-lettered) are 10 and up.
        private const int FirstFinalState = (int)TaskFlow.TaskState.Succeeded;

        private readonly IConnection _connection;
        private readonly NpgsqlConnection _database;
        private readonly System.Threading.Channels.Channel<(ulong Tag, string Id)> _deliveries = System.Threading.Channels.Channel.CreateUnbounded<(ulong, string)>(new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        private readonly string _readSql;
        private readonly string _upsertSql;
        private readonly string _queue;
        private readonly string _worker = $"raw-state@{Environment.MachineName}";
        private readonly RawStoreBaseline _side;
        private Task _loop = Task.CompletedTask;
        private long _batches;
        private long _rows;

        private StoreConsumer(RawStoreBaseline side, IConnection connection, IChannel channel, NpgsqlConnection database, (string Read, string Upsert) sql, string queue)
            : base(channel)
        {
            _side = side;
            _connection = connection;
            _database = database;
            _queue = queue;
            _readSql = sql.Read;
            _upsertSql = sql.Upsert;
        }

        public string Tag { get; private set; } = string.Empty;

        public static async Task<StoreConsumer> StartAsync(RawStoreBaseline side, TaskFlowScenario.StateSchema state, string queue)
        {
            var database = await state.DataSource.OpenConnectionAsync().ConfigureAwait(false);
            var connection = await side._broker.Factory("taskflow-bench:raw-state:consumer").CreateConnectionAsync().ConfigureAwait(false);
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false)).ConfigureAwait(false);
            await channel.BasicQosAsync(0, (ushort)side._options.Prefetch, global: false).ConfigureAwait(false);
            var consumer = new StoreConsumer(side, connection, channel, database, state.HotStatements, queue);
            consumer._loop = Task.Run(consumer.RunAsync);
            consumer.Tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer).ConfigureAwait(false);
            return consumer;
        }

        public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
        {
            _deliveries.Writer.TryWrite((deliveryTag, properties.MessageId ?? throw new InvalidOperationException("raw-state: a message without an id")));
            return Task.CompletedTask;
        }

        private async Task RunAsync()
        {
            var reader = _deliveries.Reader;
            var batch = new List<(ulong Tag, string Id)>(MaxBatch);
            var final = new HashSet<string>(StringComparer.Ordinal);
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && reader.TryRead(out var delivery))
                {
                    batch.Add(delivery);
                }

                var n = batch.Count;
                var ids = new string[n];
                var last = 0UL;
                for (var i = 0; i < n; i++)
                {
                    ids[i] = batch[i].Id;
                    last = Math.Max(last, batch[i].Tag);
                }

                // The idempotency check: which of these already reached a final state (none here; read all the same).
                final.Clear();
                var read = new NpgsqlCommand(_readSql, _database) { Parameters = { new NpgsqlParameter("Ids", ids) } };
                await using (read.ConfigureAwait(false))
                {
                    var rows = await read.ExecuteReaderAsync().ConfigureAwait(false);
                    await using (rows.ConfigureAwait(false))
                    {
                        while (await rows.ReadAsync().ConfigureAwait(false))
                        {
                            if (rows.GetInt32(1) >= FirstFinalState)
                            {
                                final.Add(rows.GetString(0));
                            }
                        }
                    }
                }

                var now = DateTimeOffset.UtcNow;
                for (var i = 0; i < n; i++)
                {
                    if (!final.Contains(ids[i]))
                    {
                        Probe.Complete(); // the no-op task
                    }
                }

                // The final states, committed (one statement, autocommit) before the ack. A command per batch, prepared as
                // the store prepares it (the first batch on the connection prepares; later ones find it prepared).
                var upsert = new NpgsqlCommand(_upsertSql, _database);
                await using (upsert.ConfigureAwait(false))
                {
                    Bind(upsert.Parameters, ids, now);
                    await upsert.PrepareAsync().ConfigureAwait(false);
                    await upsert.ExecuteNonQueryAsync().ConfigureAwait(false);
                }

                await Channel.BasicAckAsync(last, multiple: true, CancellationToken.None).ConfigureAwait(false);
                _batches++;
                _rows += n;
            }
        }

        /// <summary>The store's own upsert's 18 arrays, by position as the store binds them ($1 the task ids ... $18 the headers).</summary>
        private void Bind(NpgsqlParameterCollection p, string[] ids, DateTimeOffset now)
        {
            var n = ids.Length;
            var names = new string?[n];
            var queues = new string?[n];
            var states = new int[n];
            var attempts = new int[n];
            var workers = new string?[n];
            var nows = new DateTimeOffset[n];
            var times = new DateTimeOffset?[n];
            var expires = new DateTimeOffset[n];
            var arguments = new string?[n];
            var headers = new string?[n];
            var nulls = new string?[n];
            for (var i = 0; i < n; i++)
            {
                names[i] = BenchTasks.Client.NoopDescriptor.Name;
                queues[i] = _queue;
                states[i] = (int)TaskFlow.TaskState.Succeeded;
                attempts[i] = 1;
                workers[i] = _worker;
                nows[i] = now;
                times[i] = now;
                expires[i] = now.AddDays(1);
                arguments[i] = _side._arguments[(int)((ulong)(_rows + i) % (ulong)_side._arguments.Length)];
                headers[i] = _side._headers;
            }

            p.Add(new NpgsqlParameter { Value = ids }); // TaskIds
            p.Add(new NpgsqlParameter { Value = names }); // TaskNames
            p.Add(new NpgsqlParameter { Value = queues }); // Queues
            p.Add(new NpgsqlParameter { Value = states }); // States
            p.Add(new NpgsqlParameter { Value = nulls }); // EntityKeys
            p.Add(new NpgsqlParameter { Value = attempts }); // Attempts
            p.Add(new NpgsqlParameter { Value = workers }); // Workers
            p.Add(new NpgsqlParameter { Value = nulls }); // Results
            p.Add(new NpgsqlParameter { Value = nulls }); // Errors
            p.Add(new NpgsqlParameter { Value = nows }); // Nows
            p.Add(new NpgsqlParameter { Value = times }); // StartedAts
            p.Add(new NpgsqlParameter { Value = times }); // CompletedAts
            p.Add(new NpgsqlParameter { Value = expires }); // ExpiresAts
            p.Add(new NpgsqlParameter { Value = nulls }); // ParentIds
            p.Add(new NpgsqlParameter { Value = ids }); // RootIds
            p.Add(new NpgsqlParameter { Value = arguments }); // Arguments
            p.Add(new NpgsqlParameter { Value = nulls }); // TraceIds
            p.Add(new NpgsqlParameter { Value = headers }); // Headers
        }

        public async ValueTask DisposeAsync()
        {
            await Channel.BasicCancelAsync(Tag).ConfigureAwait(false);
            _deliveries.Writer.TryComplete();
            await _loop.ConfigureAwait(false);
            // Printed so that the floor's batching can be set beside the store's.
            Console.WriteLine($"[raw-state] {_rows} rows in {_batches} batches ({(_batches == 0 ? 0 : (double)_rows / _batches):F1} per batch)");
            await _database.DisposeAsync().ConfigureAwait(false);
            await Channel.CloseAsync().ConfigureAwait(false);
            Channel.Dispose();
            await _connection.CloseAsync().ConfigureAwait(false);
            _connection.Dispose();
        }
    }
}
