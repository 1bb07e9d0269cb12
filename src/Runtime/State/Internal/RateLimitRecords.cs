using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using TaskFlow.Core;

namespace TaskFlow.State.Internal;

/// <summary>The rate limits' state (<c>rate_limit</c>): the core's <see cref="IRateLimitStore"/>, one statement per reservation.</summary>
internal sealed class RateLimitRecords : IRateLimitStore
{
    private readonly StateConnections _connections;
    private readonly RateLimitStatements _sql;

    public RateLimitRecords(StateConnections connections, RateLimitStatements sql)
    {
        _connections = connections;
        _sql = sql;
    }

    /// <inheritdoc />
    public async Task<long> ReserveAsync(string key, long nowTicks, long intervalTicks, CancellationToken cancellationToken)
    {
        CheckKey(key);
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var tat = await connection.ExecuteScalarAsync<object>(new CommandDefinition(
                _sql.Reserve, new { Key = key, Now = nowTicks, Interval = intervalTicks }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return Convert.ToInt64(tat, CultureInfo.InvariantCulture);
        }
    }

    /// <inheritdoc />
    public async Task<long?> TryStartAsync(string key, long nowTicks, long intervalTicks, long toleranceTicks, long maxWaitTicks, CancellationToken cancellationToken)
    {
        CheckKey(key);
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var tat = await connection.ExecuteScalarAsync<object>(new CommandDefinition(
                _sql.TryStart, new { Key = key, Interval = intervalTicks, Tolerance = toleranceTicks, MaxWait = maxWaitTicks }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return tat is null or DBNull ? null : Convert.ToInt64(tat, CultureInfo.InvariantCulture);
        }
    }

    private static void CheckKey(string key)
    {
        if (key.Length > 255)
        {
            throw new ArgumentException($"TaskFlow: rate-limit key '{key[..40]}...' is longer than 255 characters.", nameof(key));
        }
    }

    /// <summary>Deletes up to <paramref name="batchSize"/> keys idle since before <paramref name="before"/>; the number deleted.</summary>
    public async Task<int> DeleteIdleAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var ticks = before.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
            return await connection.ExecuteAsync(new CommandDefinition(_sql.DeleteIdle, new { Before = ticks, BatchSize = batchSize }, commandTimeout: 120, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }
}
