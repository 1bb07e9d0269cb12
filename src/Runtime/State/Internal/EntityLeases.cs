using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Dapper;

namespace TaskFlow.State.Internal;

/// <summary>
/// Entities: exclusive leases for conflicting operations (<see cref="TaskStateStore.LockEntityAsync"/>), the check
/// that refuses an enqueue while a lease holds the entity, and revoke by entity key. Every operation on an entity
/// first takes its lock (an advisory or application lock owned by the transaction), so a lease and an enqueue of
/// the same entity never interleave.
/// </summary>
internal sealed class EntityLeases
{
    private readonly StateConnections _connections;
    private readonly EntityLeaseStatements _sql;
    private readonly TaskStateRecords _states;
    private readonly TaskStateOptions _options;
    private readonly TimeProvider _time;

    public EntityLeases(StateConnections connections, EntityLeaseStatements sql, TaskStateRecords states, TaskStateOptions options, TimeProvider time)
    {
        _connections = connections;
        _sql = sql;
        _states = states;
        _options = options;
        _time = time;
    }

    /// <summary>The name of an entity's lock.</summary>
    public static string LockResource(string entityKey)
    {
        // sp_getapplock resources are at most 255 characters: long keys are hashed.
        var resource = "taskflow.entity:" + entityKey;
        return resource.Length <= 200 ? resource : "taskflow.entity#" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(entityKey)));
    }

    /// <summary>In the caller's transaction: serialize with other operations on the entity and refuse if a lease holds it.</summary>
    public async Task CheckForEnqueueAsync(DbConnection connection, DbTransaction transaction, string entityKey, CancellationToken cancellationToken)
    {
        var lease = await LockAndReadAsync(connection, transaction, entityKey, cancellationToken).ConfigureAwait(false);
        if (lease is not null && DbValues.ToTime(lease.ExpiresAt) > _time.GetUtcNow())
        {
            throw HeldBy(entityKey, lease);
        }
    }

    /// <summary>Records a pending task of an entity before it is published: under the entity's lock, refused while a lease holds it.</summary>
    public async Task RecordPendingAsync(StateWrite write, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await CheckForEnqueueAsync(connection, transaction, write.EntityKey!, cancellationToken).ConfigureAwait(false);
                await _states.WriteInAsync(connection, transaction, write, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One attempt at an entity lease: null on success, else the conflict.</summary>
    public async Task<EntityLockedException?> TryAcquireAsync(string entityKey, string holder, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var lease = await LockAndReadAsync(connection, transaction, entityKey, cancellationToken).ConfigureAwait(false);
                if (lease is not null && lease.Holder != holder && DbValues.ToTime(lease.ExpiresAt) > now)
                {
                    return HeldBy(entityKey, lease);
                }

                var pending = (await connection.QueryAsync<string>(new CommandDefinition(_sql.SelectUnfinished, new { EntityKey = entityKey, Now = now }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
                if (pending.Count > 0)
                {
                    return new EntityLockedException(entityKey, $"{pending.Count}{(pending.Count == 10 ? "+" : "")} task(s) pending or running ({string.Join(", ", pending.Take(3))})", pending);
                }

                await connection.ExecuteAsync(new CommandDefinition(_sql.Replace, new { EntityKey = entityKey, Holder = holder, Now = now, ExpiresAt = now + _options.EntityLeaseDuration }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }
        }
    }

    /// <summary>Releases a lease (a no-op when it lapsed and another holder took the entity since).</summary>
    public async Task ReleaseAsync(string entityKey, string holder, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(_sql.Delete, new { EntityKey = entityKey, Holder = holder }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Revokes every unfinished task of an entity; returns their ids.</summary>
    public async Task<IReadOnlyList<string>> RevokeUnfinishedAsync(string entityKey, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var ids = await connection.QueryAsync<string>(new CommandDefinition(_sql.RevokeUnfinished, new { EntityKey = entityKey, Error = reason, Now = now, ExpiresAt = now + _options.ResultExpiry }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return ids.ToList();
        }
    }

    /// <summary>Takes the entity's lock for the transaction, then reads its lease (if any).</summary>
    private async Task<LeaseRow?> LockAndReadAsync(DbConnection connection, DbTransaction transaction, string entityKey, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(_sql.LockResource, new { Resource = LockResource(entityKey) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<LeaseRow>(new CommandDefinition(_sql.Select, new { EntityKey = entityKey }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private static EntityLockedException HeldBy(string entityKey, LeaseRow lease) =>
        new(entityKey, $"held by lease {lease.Holder} until {DbValues.ToTime(lease.ExpiresAt):O}");

    private sealed class LeaseRow
    {
        public string Holder { get; set; } = "";

        public object? ExpiresAt { get; set; }
    }
}
