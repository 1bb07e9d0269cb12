using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using TaskFlow;
using TaskFlow.State;

namespace Signup;

/// <summary>A user of the example application.</summary>
/// <param name="Id">The user id: the only thing a task message carries.</param>
/// <param name="Email">Where the welcome email goes.</param>
/// <param name="Phone">Where the SMS and the app notification go; optional.</param>
/// <param name="CreatedAt">When the user signed up.</param>
public sealed record User(int Id, string Email, string? Phone, DateTimeOffset CreatedAt);

/// <summary>The channels a new user is notified on.</summary>
public enum NotificationChannel
{
    /// <summary>The welcome email.</summary>
    WelcomeEmail,

    /// <summary>The SMS.</summary>
    Sms,

    /// <summary>The in-app (push) notification.</summary>
    AppNotification,
}

/// <summary>Users, looked up by id. The web app creates them; tasks read the current state at run time.</summary>
public interface IUserDirectory
{
    /// <summary>
    /// Creates a user with a new id inside the caller's transaction: the web app enqueues the user's tasks
    /// in the same transaction through TaskFlow's outbox, so the user and its notifications commit together.
    /// </summary>
    ValueTask<User> CreateAsync(string email, string? phone, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>The user with this id, or <c>null</c> when there is none (e.g. deleted since the task was sent).</summary>
    ValueTask<User?> FindAsync(int userId, CancellationToken cancellationToken);
}

/// <summary>
/// Which notifications a user has already received. Tasks are delivered at least once (the worker acks
/// after the task finishes, so a crash or a lost connection means a redelivery): checking here makes a
/// redelivered task a no-op instead of a second welcome email.
/// </summary>
public interface INotificationLog
{
    /// <summary>When the notification was sent, or <c>null</c> if it has not been.</summary>
    ValueTask<DateTimeOffset?> SentAtAsync(int userId, NotificationChannel channel, CancellationToken cancellationToken);

    /// <summary>Records that the notification was sent.</summary>
    ValueTask RecordSentAsync(int userId, NotificationChannel channel, CancellationToken cancellationToken);
}

/// <summary>Settings of the example's store (configuration section <c>Signup</c>).</summary>
public sealed class SignupStoreOptions
{
    /// <summary>
    /// The PostgreSQL database shared by the web app and the worker (Npgsql form). Default: the one
    /// <c>scripts/postgres.sh</c> creates. Environment: <c>Signup__ConnectionString</c>.
    /// </summary>
    public string ConnectionString { get; set; } = "Host=127.0.0.1;Port=5432;Username=taskflow;Password=taskflow;Database=taskflow";
}

/// <summary>
/// The example's store in PostgreSQL (schema <c>signup</c>): users and the notifications sent to them,
/// through Dapper. TaskFlow's own tables (task states, the outbox) live next to them in schema <c>taskflow</c>.
/// </summary>
public sealed class PostgresSignupStore : IUserDirectory, INotificationLog
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly Lazy<Task> _schema;

    /// <summary>Creates the store; its tables are created on first use.</summary>
    public PostgresSignupStore(NpgsqlDataSource dataSource, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(time);
        _dataSource = dataSource;
        _time = time;
        _schema = new Lazy<Task>(CreateSchemaAsync);
    }

    /// <summary>The connections (the web app opens its signup transaction on it).</summary>
    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Creates the example's tables if missing (serialized by an advisory lock: web app and worker start together).</summary>
    public Task EnsureSchemaAsync() => _schema.Value;

    private async Task CreateSchemaAsync()
    {
        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await connection.ExecuteAsync("""
            SELECT pg_advisory_xact_lock(hashtextextended('signup.schema', 0));
            CREATE SCHEMA IF NOT EXISTS signup;
            CREATE TABLE IF NOT EXISTS signup.users (
                id         serial PRIMARY KEY,
                email      text NOT NULL,
                phone      text NULL,
                created_at timestamptz NOT NULL);
            CREATE TABLE IF NOT EXISTS signup.notifications_sent (
                user_id    integer NOT NULL REFERENCES signup.users (id) ON DELETE CASCADE,
                channel    text NOT NULL,
                sent_at    timestamptz NOT NULL,
                PRIMARY KEY (user_id, channel));
            """, transaction: transaction).ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<User> CreateAsync(string email, string? phone, DbTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        ArgumentNullException.ThrowIfNull(transaction);
        await EnsureSchemaAsync().ConfigureAwait(false);
        var createdAt = _time.GetUtcNow();
        phone = string.IsNullOrWhiteSpace(phone) ? null : phone;
        var id = await transaction.Connection!.ExecuteScalarAsync<int>(new CommandDefinition(
            "INSERT INTO signup.users (email, phone, created_at) VALUES (@email, @phone, @createdAt) RETURNING id",
            new { email, phone, createdAt },
            transaction,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new User(id, email, phone, createdAt);
    }

    /// <inheritdoc />
    public async ValueTask<User?> FindAsync(int userId, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync().ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
            "SELECT id AS Id, email AS Email, phone AS Phone, created_at AS CreatedAt FROM signup.users WHERE id = @userId",
            new { userId },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is null ? null : new User(row.Id, row.Email, row.Phone, new DateTimeOffset(DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc)));
    }

    /// <inheritdoc />
    public async ValueTask<DateTimeOffset?> SentAtAsync(int userId, NotificationChannel channel, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync().ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var sentAt = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT sent_at FROM signup.notifications_sent WHERE user_id = @userId AND channel = @channel",
            new { userId, channel = channel.ToString() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return sentAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    /// <inheritdoc />
    public async ValueTask RecordSentAsync(int userId, NotificationChannel channel, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync().ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO signup.notifications_sent (user_id, channel, sent_at) VALUES (@userId, @channel, @sentAt) ON CONFLICT (user_id, channel) DO NOTHING",
            new { userId, channel = channel.ToString(), sentAt = _time.GetUtcNow() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private sealed class UserRow
    {
        public int Id { get; set; }

        public string Email { get; set; } = "";

        public string? Phone { get; set; }

        public DateTime CreatedAt { get; set; }
    }
}

/// <summary>Registers the example's store.</summary>
public static class SignupStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PostgresSignupStore"/> as <see cref="IUserDirectory"/> and <see cref="INotificationLog"/>,
    /// and its <see cref="NpgsqlDataSource"/>, with the connection string from the <c>Signup</c> configuration section.
    /// </summary>
    public static IServiceCollection AddSignupStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new SignupStoreOptions();
        configuration.GetSection("Signup").Bind(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => NpgsqlDataSource.Create(options.ConnectionString));
        services.AddSingleton(sp => new PostgresSignupStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IUserDirectory>(sp => sp.GetRequiredService<PostgresSignupStore>());
        services.AddSingleton<INotificationLog>(sp => sp.GetRequiredService<PostgresSignupStore>());
        return services;
    }

    /// <summary>
    /// TaskFlow's state store on the same database: task states for <c>GET /tasks/{id}</c>, the idempotent
    /// consumer, and the outbox the web app enqueues through (its relay runs in both processes).
    /// </summary>
    /// <param name="builder">The TaskFlow builder.</param>
    /// <param name="configuration">The <c>TaskFlow:State</c> section (schema, expiries, per-task settings); the database is the example's own.</param>
    public static TaskFlowBuilder AddSignupStateStore(this TaskFlowBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddStateStore(configuration, (o, services) => o.UsePostgreSql(services.GetRequiredService<NpgsqlDataSource>()));
    }
}
