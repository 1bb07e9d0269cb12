using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.State.Internal;
using TaskFlow.State.Worker;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The state store's metrics on TaskFlow's meter: the outbox's backlog and oldest age as the relay reads them (the
/// gauges never query the database themselves), and the size of each state-write batch.
/// </summary>
public sealed class StateMetricsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task The_outbox_gauges_show_the_messages_waiting_and_the_oldest_age_as_the_relay_last_read_them(string name)
    {
        await using var host = await StateHost.StartAsync(name, worker: false, hostedServices: false);
        using var metrics = new Measurements();
        await using (var connection = await host.Database.OpenAsync())
        {
            foreach (var count in new[] { 3, 2 })
            {
                await using var transaction = await connection.BeginTransactionAsync();
                var tasks = new StateTasks.Client(host.Store.Outbox(transaction));
                for (var i = 0; i < count; i++)
                {
                    await tasks.Add.ApplyAsync(i, 1, "gauges", host.Options());
                }

                await transaction.CommitAsync();
            }
        }

        var backlog = new OutboxBacklog(host.Store.Database.Outbox, host.Schema, TimeProvider.System);
        StateMetrics.Add(backlog);
        try
        {
            metrics.Observe(host.Schema).ShouldBeEmpty("nothing read yet: no value rather than a made-up one");
            await backlog.RefreshAsync(default);
            await Task.Delay(200);
            var waiting = metrics.Observe(host.Schema);
            waiting["taskflow.outbox.backlog"].ShouldBe(5, "messages, not transactions");
            waiting["taskflow.outbox.oldest_age"].ShouldBeInRange(0.1, 60, "the age grows between reads: it is computed when collected");

            var relay = host.NewRelay();
            while (await relay.RelayOnceAsync(default) > 0)
            {
            }

            metrics.Observe(host.Schema)["taskflow.outbox.backlog"].ShouldBe(5, "still the last reading: collecting does not query");
            await Task.Delay(OutboxBacklog.RefreshInterval + TimeSpan.FromMilliseconds(100));
            await backlog.RefreshAsync(default);
            var empty = metrics.Observe(host.Schema);
            empty["taskflow.outbox.backlog"].ShouldBe(0);
            empty["taskflow.outbox.oldest_age"].ShouldBe(0);
        }
        finally
        {
            StateMetrics.Remove(backlog);
        }

        metrics.Observe(host.Schema).ShouldBeEmpty("a stopped relay reports nothing");
    }

    [Fact]
    public async Task Each_committed_state_write_batch_is_measured()
    {
        using var metrics = new Measurements();
        await using var host = await StateHost.StartAsync("postgresql");
        var key = Guid.NewGuid().ToString("N");

        var handles = new List<TaskHandle<int>>();
        for (var i = 0; i < 5; i++)
        {
            handles.Add(await host.Tasks.Add.ApplyAsync(i, 1, key, host.Options()));
        }

        foreach (var handle in handles)
        {
            await handle.WaitAsync(Timeout);
        }

        // A batch is measured on the writer's loop right after its commit, and the final state can be seen (its notification
        // is sent at the commit) a moment before that: wait for the measurements of these writes, not for a fixed time.
        await Eventually.UntilAsync(() => Task.FromResult(metrics.BatchSizes.Sum() >= 5), TimeSpan.FromSeconds(10), "the writes of these tasks are measured");

        // Process-wide (other tests write too): each batch of this store's writes is one measurement of 1 to WriteBatchSize rows.
        var batches = metrics.BatchSizes;
        batches.ShouldNotBeEmpty();
        batches.ShouldAllBe(rows => rows >= 1 && rows <= 500);
        batches.Sum().ShouldBeGreaterThanOrEqualTo(5, "at least one row for each of these tasks (its started and final records, merged when they share a batch)");
    }

    /// <summary>TaskFlow's state-store instruments while it listens.</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<int> _batches = new();
        private readonly ConcurrentDictionary<string, double> _observed = new(StringComparer.Ordinal);
        private string _schema = string.Empty;

        public Measurements()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "TaskFlow" && (instrument.Name.StartsWith("taskflow.outbox.", StringComparison.Ordinal) || instrument.Name == "taskflow.state.write.batch_size"))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((_, value, _, _) => _batches.Enqueue(value));
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Observed(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Observed(instrument, value, tags));
            _listener.Start();
        }

        public List<int> BatchSizes => _batches.ToList();

        /// <summary>Collects the gauges now; their values for one schema, by instrument.</summary>
        public Dictionary<string, double> Observe(string schema)
        {
            _observed.Clear();
            _schema = schema;
            _listener.RecordObservableInstruments();
            return new Dictionary<string, double>(_observed, StringComparer.Ordinal);
        }

        public void Dispose() => _listener.Dispose();

        private void Observed(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var (key, tag) in tags)
            {
                if (key == "taskflow.state.schema" && Equals(tag, _schema))
                {
                    _observed[instrument.Name] = value;
                }
            }
        }
    }
}
