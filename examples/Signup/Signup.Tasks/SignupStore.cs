using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
    /// <summary>Creates a user with a new id.</summary>
    ValueTask<User> CreateAsync(string email, string? phone, CancellationToken cancellationToken);

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
    /// The directory shared by the web app and the worker. Default: <c>taskflow-signup</c> under the
    /// system temp directory (<c>$TMPDIR</c> or <c>/tmp</c>). Environment: <c>Signup__DataDirectory</c>.
    /// </summary>
    public string DataDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "taskflow-signup");
}

/// <summary>
/// A deliberately small user store: one JSON file per user in a directory that the web app and the
/// worker share (<see cref="SignupStoreOptions.DataDirectory"/>).
/// </summary>
/// <remarks>
/// Why files and not a database, for now: the example must run with nothing but RabbitMQ, and what it
/// shows is the shape of the code, which stays the same with a database. The message carries only the
/// user id; the worker reads the user when the task runs, so it always sees current data (an address
/// changed or a user deleted while the task waited in the queue) instead of a stale copy serialized into
/// the message (the seeds' "outdated data" pitfall). The limits are the reasons to move on: both
/// processes must see the same directory (one machine, or a shared volume), and creating the user and
/// enqueueing its tasks are not atomic (a crash in between leaves a user without notifications). A later
/// issue moves this to PostgreSQL, with the enqueue in the same transaction through TaskFlow's
/// transactional outbox.
/// </remarks>
public sealed class FileSignupStore : IUserDirectory, INotificationLog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly string _users;
    private readonly string _sent;
    private readonly TimeProvider _time;
    private int _lastId = -1;

    /// <summary>Creates the store; the directories are created if needed.</summary>
    public FileSignupStore(SignupStoreOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataDirectory);
        DataDirectory = Path.GetFullPath(options.DataDirectory);
        _users = Path.Combine(DataDirectory, "users");
        _sent = Path.Combine(DataDirectory, "sent");
        _time = time;
        Directory.CreateDirectory(_users);
        Directory.CreateDirectory(_sent);
    }

    /// <summary>The directory the store lives in.</summary>
    public string DataDirectory { get; }

    /// <inheritdoc />
    public async ValueTask<User> CreateAsync(string email, string? phone, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);

        // Write the whole record to a temp file, then move it to "<id>.json" without overwriting: the move
        // is atomic (a reader never sees half a file) and fails if another process took that id first.
        var temp = Path.Combine(_users, $".{Guid.NewGuid():N}.tmp");
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var id = NextId(rescan: attempt > 0);
                var user = new User(id, email, string.IsNullOrWhiteSpace(phone) ? null : phone, _time.GetUtcNow());
                await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(user, Json), cancellationToken).ConfigureAwait(false);
                try
                {
                    File.Move(temp, UserPath(id), overwrite: false);
                    return user;
                }
                catch (IOException) when (File.Exists(UserPath(id)) && attempt < 100)
                {
                    // Taken meanwhile: rescan and try the next id.
                }
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <inheritdoc />
    public async ValueTask<User?> FindAsync(int userId, CancellationToken cancellationToken)
    {
        try
        {
            var json = await File.ReadAllTextAsync(UserPath(userId), cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize<User>(json, Json);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask<DateTimeOffset?> SentAtAsync(int userId, NotificationChannel channel, CancellationToken cancellationToken)
    {
        try
        {
            var text = await File.ReadAllTextAsync(SentPath(userId, channel), cancellationToken).ConfigureAwait(false);
            return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask RecordSentAsync(int userId, NotificationChannel channel, CancellationToken cancellationToken)
    {
        var temp = SentPath(userId, channel) + $".{Guid.NewGuid():N}.tmp";
        await File.WriteAllTextAsync(temp, _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        File.Move(temp, SentPath(userId, channel), overwrite: true);
    }

    private int NextId(bool rescan)
    {
        if (rescan || Volatile.Read(ref _lastId) < 0)
        {
            var max = 0;
            foreach (var file in Directory.EnumerateFiles(_users, "*.json"))
            {
                if (int.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var existing) && existing > max)
                {
                    max = existing;
                }
            }

            // Never go backwards: another caller in this process may already be past the scan.
            int seen;
            do
            {
                seen = Volatile.Read(ref _lastId);
                if (seen >= max)
                {
                    break;
                }
            }
            while (Interlocked.CompareExchange(ref _lastId, max, seen) != seen);
        }

        return Interlocked.Increment(ref _lastId);
    }

    private string UserPath(int userId) => Path.Combine(_users, userId.ToString(CultureInfo.InvariantCulture) + ".json");

    private string SentPath(int userId, NotificationChannel channel) =>
        Path.Combine(_sent, $"{userId.ToString(CultureInfo.InvariantCulture)}.{channel}");
}

/// <summary>Registers the example's store.</summary>
public static class SignupStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="FileSignupStore"/> as <see cref="IUserDirectory"/> and <see cref="INotificationLog"/>,
    /// with its directory from the <c>Signup</c> configuration section.
    /// </summary>
    public static IServiceCollection AddSignupStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new SignupStoreOptions();
        configuration.GetSection("Signup").Bind(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new FileSignupStore(options, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IUserDirectory>(sp => sp.GetRequiredService<FileSignupStore>());
        services.AddSingleton<INotificationLog>(sp => sp.GetRequiredService<FileSignupStore>());
        return services;
    }
}
