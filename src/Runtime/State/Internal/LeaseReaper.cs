using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State.Internal;

/// <summary>
/// Sends again the long-running tasks whose worker stopped renewing their lease (it died, or lost the database for a
/// whole <see cref="TaskStateOptions.LeaseDuration"/>). Runs in every process with a state store, every
/// <see cref="TaskStateOptions.LeaseReapInterval"/>; reapers on several processes share the work (claimed rows are
/// skipped). In one transaction per pass: the expired leases are claimed, their messages written to the outbox (the
/// relay publishes them, same task id, one more redelivery), the tasks recorded as retrying, and the leases deleted.
/// A task that is final meanwhile only loses its lease.
/// </summary>
internal sealed class LeaseReaper
{
    private const int BatchSize = 100;
    private readonly TaskStateStore _store;

    public LeaseReaper(TaskStateStore store)
    {
        _store = store;
    }

    /// <summary>One pass; returns how many tasks were sent again.</summary>
    public async Task<int> ReapAsync(CancellationToken cancellationToken)
    {
        var database = _store.Database;
        var connection = await database.Connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var leases = await database.TaskLeases.ClaimExpiredAsync(connection, transaction, BatchSize, cancellationToken).ConfigureAwait(false);
                if (leases.Count == 0)
                {
                    return 0;
                }

                long? outboxId = null;
                var sequence = 0;
                var sent = 0;
                foreach (var lease in leases)
                {
                    var error = $"the lease of {lease.Holder} expired during attempt {lease.Attempt} (the worker stopped renewing it); sent again";
                    var retrying = _store.NewWrite(lease.TaskId, lease.TaskName, lease.Queue, TaskState.Retrying, lease.Attempt, error: error);
                    // The attempt ran on the lease's holder; this worker only reaped it.
                    retrying.EndedAttempt = new AttemptWrite { TaskId = lease.TaskId, Attempt = lease.Attempt, State = retrying.State, Worker = lease.Holder, EndedAt = retrying.Now, Error = retrying.Error };
                    if (await database.States.WriteInAsync(connection, transaction, retrying, cancellationToken).ConfigureAwait(false))
                    {
                        outboxId ??= await database.Outbox.InsertTransactionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                        await database.Outbox.InsertMessageAsync(connection, transaction, new OutboxMessageRow
                        {
                            TransactionId = outboxId.Value,
                            Seq = sequence++,
                            TaskId = lease.TaskId,
                            TaskName = lease.TaskName,
                            Queue = lease.Queue,
                            Headers = lease.Headers,
                            Body = lease.Body,
                        }, cancellationToken).ConfigureAwait(false);
                        sent++;
                    }

                    await database.TaskLeases.DeleteAsync(connection, transaction, lease, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                foreach (var lease in leases)
                {
                    StateLog.LeaseReaped(_store.Logger, lease.TaskName, lease.TaskId, lease.Holder, lease.Attempt, lease.Queue);
                }

                return sent;
            }
        }
    }
}
