using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TaskFlow.Core;

namespace TaskFlow.State.Internal;

/// <summary>
/// Publishes committed outbox rows. Each pass claims up to <see cref="TaskStateOptions.OutboxBatchSize"/> due
/// outbox transactions with row locks that other relays skip (<c>FOR UPDATE SKIP LOCKED</c> / <c>READPAST</c>),
/// publishes each transaction's messages in order with publisher confirms (transactions in parallel), and in
/// the same database transaction deletes the published ones and reschedules the failed ones with backoff and
/// their error (visible in <see cref="TaskStateStore.GetOutboxStatusAsync"/>). A relay that dies mid-pass
/// releases its locks with its connection; another relay publishes those rows again (at least once: the
/// consumer's idempotency check turns a repeat into a skip).
/// </summary>
internal sealed class OutboxRelay : BackgroundService
{
    private readonly TaskStateStore _store;
    private readonly ITaskSender _sender;
    private readonly TaskFlowOptions _flow;

    public OutboxRelay(TaskStateStore store, ITaskSender sender, IOptions<TaskFlowOptions> flow)
    {
        _store = store;
        _sender = sender;
        _flow = flow.Value;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_store.Options.RunOutboxRelay || _flow.Eager)
        {
            return;
        }

        // The outbox gauges (taskflow.outbox.backlog, .oldest_age) show what this relay last read, between its passes.
        var backlog = new OutboxBacklog(_store.Database.Outbox, _store.Options.Schema, _store.Database.Time);
        StateMetrics.Add(backlog);
        try
        {
            await RelayAsync(backlog, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            StateMetrics.Remove(backlog);
        }
    }

    private async Task RelayAsync(OutboxBacklog backlog, CancellationToken stoppingToken)
    {
        var failureDelay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var published = await RelayOnceAsync(stoppingToken).ConfigureAwait(false);
                await backlog.RefreshAsync(stoppingToken).ConfigureAwait(false);
                failureDelay = TimeSpan.FromSeconds(1);
                if (published == 0)
                {
                    await Task.Delay(_store.Options.OutboxPollInterval, _store.Database.Time, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                StateLog.OutboxRelayFailed(_store.Logger, ex, failureDelay);
                try
                {
                    await Task.Delay(failureDelay, _store.Database.Time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                failureDelay = TimeSpan.FromTicks(Math.Min(failureDelay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <summary>One pass; returns how many outbox transactions it handled (published or rescheduled).</summary>
    internal async Task<int> RelayOnceAsync(CancellationToken cancellationToken)
    {
        var database = _store.Database;
        var outbox = database.Outbox;
        var connection = await database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var now = database.Now;
                var claimed = await outbox.ClaimAsync(connection, transaction, now, _store.Options.OutboxBatchSize, cancellationToken).ConfigureAwait(false);
                var ids = claimed.Select(c => c.Id).ToArray();
                var attemptsOf = claimed.ToDictionary(c => c.Id, c => c.Attempts);
                if (ids.Length == 0)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return 0;
                }

                var messages = await outbox.ReadMessagesAsync(connection, transaction, ids, cancellationToken).ConfigureAwait(false);
                var byTransaction = messages
                    .GroupBy(m => Convert.ToInt64(m.TransactionId, CultureInfo.InvariantCulture))
                    .ToDictionary(g => g.Key, g => g.OrderBy(m => Convert.ToInt32(m.Seq, CultureInfo.InvariantCulture)).ToList());
                var results = await Task.WhenAll(ids.Select(id => PublishAsync(id, attemptsOf[id], byTransaction.TryGetValue(id, out var list) ? list : [], cancellationToken))).ConfigureAwait(false);

                var published = results.Where(r => r.Error is null).Select(r => r.Id).ToArray();
                if (published.Length > 0)
                {
                    await outbox.DeleteAsync(connection, transaction, published, cancellationToken).ConfigureAwait(false);
                }

                foreach (var (id, attempts, error) in results.Where(r => r.Error is not null))
                {
                    var delay = TimeSpan.FromSeconds(Math.Min(_store.Options.OutboxMaxRetryDelay.TotalSeconds, Math.Pow(2, Math.Min(attempts, 20))));
                    var next = now + delay;
                    await outbox.FailAsync(connection, transaction, id, TaskStateStore.Summary(error!), next, CancellationToken.None).ConfigureAwait(false);
                    StateLog.OutboxPublishFailed(_store.Logger, error!, id, attempts + 1, next);
                }

                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                StateLog.OutboxPublished(_store.Logger, results.Where(r => r.Error is null).Sum(r => byTransaction.TryGetValue(r.Id, out var l) ? l.Count : 0), published.Length);
                return ids.Length;
            }
        }
    }

    private async Task<(long Id, int Attempts, Exception? Error)> PublishAsync(long id, int attempts, List<OutboxMessageRead> messages, CancellationToken cancellationToken)
    {
        try
        {
            // In order within the transaction: each publish waits for its confirm before the next.
            foreach (var message in messages)
            {
                byte? priority = message.Priority is not null and not DBNull ? Convert.ToByte(message.Priority, CultureInfo.InvariantCulture) : null;
                var headers = new HeaderTable(HeaderJson.Read(message.Headers));
                var envelope = new TaskEnvelope(message.TaskId, message.TaskName, message.Queue, headers, message.Body, priority, DbValues.ToTime(message.Eta), entityKey: null);
                await _sender.SendAsync(envelope, cancellationToken).ConfigureAwait(false);
            }

            return (id, attempts, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (id, attempts, ex);
        }
    }
}
