using System;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Npgsql;

namespace Scoring;

/// <summary>A user's score as stored: the score, the last order it counted and how many times it was calculated.</summary>
public sealed record UserScore(int UserId, int Score, long LastScoredOrderId, int Calculations);

/// <summary>
/// The shop's tables in one PostgreSQL schema: <c>orders</c> (what the web request writes) and <c>user_scores</c>
/// (what the background task calculates). Dapper over an <see cref="NpgsqlDataSource"/>.
/// </summary>
public sealed class ScoreBook(NpgsqlDataSource dataSource, string schema)
{
    /// <summary>The schema the tables are in.</summary>
    public string Schema { get; } = schema;

    /// <summary>Creates the schema and its tables when missing.</summary>
    public async Task CreateSchemaAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition($"""
            CREATE SCHEMA IF NOT EXISTS {Schema};
            CREATE TABLE IF NOT EXISTS {Schema}.orders (
                order_id bigserial PRIMARY KEY,
                user_id integer NOT NULL,
                total numeric(12, 2) NOT NULL);
            CREATE TABLE IF NOT EXISTS {Schema}.user_scores (
                user_id integer PRIMARY KEY,
                score integer NOT NULL,
                last_scored_order_id bigint NOT NULL,
                calculations integer NOT NULL);
            """, cancellationToken: cancellationToken));
    }

    /// <summary>Processes an order: stores it and returns its id (the web request's part; the score comes later).</summary>
    public async Task<long> PlaceOrderAsync(int userId, decimal total, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"INSERT INTO {Schema}.orders (user_id, total) VALUES (@userId, @total) RETURNING order_id",
            new { userId, total }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Calculates the user's score for an order, once: in one transaction, locks the user's score row, returns early
    /// (false) when the last order it counted is this one or a later one (a repeated delivery, or a task that a later
    /// order's calculation already covered), else recalculates the score from every order of the user and stores the
    /// newest order it counted (true). A crash before the commit leaves nothing; the delivery that comes again then
    /// does the work once.
    /// </summary>
    public async Task<bool> CalculateAsync(int userId, long orderId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The row exists before it is locked, so that two first calculations for a user also wait for each other.
        await connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO {Schema}.user_scores (user_id, score, last_scored_order_id, calculations) VALUES (@userId, 0, 0, 0) ON CONFLICT (user_id) DO NOTHING",
            new { userId }, transaction, cancellationToken: cancellationToken));
        var lastScored = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT last_scored_order_id FROM {Schema}.user_scores WHERE user_id = @userId FOR UPDATE",
            new { userId }, transaction, cancellationToken: cancellationToken));
        if (lastScored >= orderId)
        {
            await transaction.CommitAsync(cancellationToken);
            return false;
        }

        // The "expensive" part: one point per 10 spent, over every order of the user so far.
        await connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE {Schema}.user_scores AS s
            SET score = totals.points, last_scored_order_id = totals.newest, calculations = s.calculations + 1
            FROM (SELECT COALESCE(FLOOR(SUM(total) / 10), 0)::integer AS points, MAX(order_id) AS newest
                  FROM {Schema}.orders WHERE user_id = @userId) AS totals
            WHERE s.user_id = @userId
            """, new { userId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The user's score, or null before the first calculation.</summary>
    public async Task<UserScore?> ReadAsync(int userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserScore>(new CommandDefinition(
            $"SELECT user_id AS UserId, score AS Score, last_scored_order_id AS LastScoredOrderId, calculations AS Calculations FROM {Schema}.user_scores WHERE user_id = @userId",
            new { userId }, cancellationToken: cancellationToken));
    }
}
