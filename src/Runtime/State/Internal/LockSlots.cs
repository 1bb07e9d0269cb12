using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Dapper;

namespace TaskFlow.State.Internal;

/// <summary>
/// The permits of distributed locks and per-key concurrency limits (<c>lock_slot</c>): a resource with n permits is n
/// rows (name, slot 0..n-1), each taken when free or expired, renewed by its holder and released by expiring it. Every
/// change after the take names the holder's fencing token, drawn from one sequence so that it never repeats.
/// </summary>
internal sealed class LockSlots
{
    private readonly StateConnections _connections;
    private readonly LockStatements _sql;
    private readonly TimeProvider _time;

    public LockSlots(StateConnections connections, LockStatements sql, TimeProvider time)
    {
        _connections = connections;
        _sql = sql;
        _time = time;
    }

    /// <summary>Takes one free permit of <paramref name="name"/>, trying the slots from <paramref name="start"/> round; the slot and its token, or null when all are held.</summary>
    public async Task<(int Slot, long Token)?> TryAcquireAsync(string name, int permits, int start, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            for (var i = 0; i < permits; i++)
            {
                var slot = (start + i) % permits;
                var now = _time.GetUtcNow();
                var token = await connection.ExecuteScalarAsync<object>(new CommandDefinition(
                    _sql.Acquire, new { Name = name, Slot = slot, Holder = holder, Now = now, ExpiresAt = now + duration }, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (token is not null and not DBNull)
                {
                    return (slot, Convert.ToInt64(token, CultureInfo.InvariantCulture));
                }
            }

            return null;
        }
    }

    /// <summary>Moves a held permit's expiry; <c>false</c> when it changed hands (fenced).</summary>
    public async Task<bool> RenewAsync(string name, int slot, long token, TimeSpan duration, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var now = _time.GetUtcNow();
            return await connection.ExecuteAsync(new CommandDefinition(_sql.Renew, new { Name = name, Slot = slot, Token = token, ExpiresAt = now + duration }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        }
    }

    /// <summary>Releases a held permit (a no-op when it changed hands meanwhile).</summary>
    public async Task ReleaseAsync(string name, int slot, long token, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(_sql.Release, new { Name = name, Slot = slot, Token = token, Now = _time.GetUtcNow() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes up to <paramref name="batchSize"/> permits that expired before <paramref name="before"/>; the number deleted.</summary>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(_sql.DeleteExpired, new { Before = before, BatchSize = batchSize }, commandTimeout: 120, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }
}
