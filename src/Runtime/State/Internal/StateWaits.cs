using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Internal;

/// <summary>
/// The waiters of one <see cref="TaskStateStore"/> and its one listening connection (docs/state.md#waiting-for-a-result).
/// A waiter registers its task id, then reads the record (a commit before the registration is seen by that read,
/// one after it is notified), then awaits its signal or <see cref="TaskStateOptions.WaitPollInterval"/>. The listening
/// connection starts with the first registration; each notification signals the waiters of its task ids. When the
/// connection fails it is reopened with backoff (100 ms doubling to 10 s), and each time it listens (again) every waiter
/// is signalled, so none keeps waiting on a notification sent while nobody listened.
/// </summary>
internal sealed class StateWaits : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(10);

    private readonly StateDatabase _database;
    private readonly IStateNotificationReceiver _receiver;
    private readonly FinalStateNotifications _notifications;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Waiter> _waiters = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Action<string> _onPayload;
    private Task? _loop;
    private long _notified;
    private int _listens;

    public StateWaits(StateDatabase database, IStateNotificationReceiver receiver, FinalStateNotifications notifications, ILogger logger)
    {
        _database = database;
        _receiver = receiver;
        _notifications = notifications;
        _logger = logger;
        _onPayload = OnPayload;
    }

    /// <summary>How many waiters a notification signalled (for tests and the measurement).</summary>
    public long Notified => Interlocked.Read(ref _notified);

    /// <summary>How many times the listening connection subscribed (1 + reconnects).</summary>
    public int Listens => Volatile.Read(ref _listens);

    /// <summary>Whether the connection listens now.</summary>
    public bool IsListening { get; private set; }

    /// <summary>The channel listened on.</summary>
    public string Channel => _notifications.Channel;

    /// <summary>Registers a waiter of <paramref name="taskId"/> (starts listening with the first); dispose it when done.</summary>
    public Registration Register(string taskId)
    {
        EnsureStarted();
        lock (_waiters)
        {
            if (!_waiters.TryGetValue(taskId, out var waiter))
            {
                waiter = new Waiter();
                _waiters.Add(taskId, waiter);
            }

            waiter.Count++;
            return new Registration(this, taskId, waiter);
        }
    }

    private void Unregister(string taskId, Waiter waiter)
    {
        lock (_waiters)
        {
            if (--waiter.Count == 0 && _waiters.TryGetValue(taskId, out var current) && ReferenceEquals(current, waiter))
            {
                _waiters.Remove(taskId);
            }
        }
    }

    private void OnPayload(string payload)
    {
        foreach (var id in FinalStateNotifications.Parse(payload))
        {
            Waiter? waiter;
            lock (_waiters)
            {
                if (!_waiters.Remove(id, out waiter))
                {
                    continue;
                }
            }

            Interlocked.Add(ref _notified, waiter.Count);
            waiter.Signal.TrySetResult();
        }
    }

    /// <summary>Every waiter reads its record again (the connection listens now: what was sent before is not delivered).</summary>
    private void SignalAll()
    {
        List<Waiter> all;
        lock (_waiters)
        {
            all = [.. _waiters.Values];
            _waiters.Clear();
        }

        foreach (var waiter in all)
        {
            waiter.Signal.TrySetResult();
        }
    }

    private void EnsureStarted()
    {
        if (_loop is not null)
        {
            return;
        }

        lock (_waiters)
        {
            _loop ??= Task.Run(ListenAsync);
        }
    }

    private async Task ListenAsync()
    {
        var schema = _database.Options.Schema;
        var delay = FirstRetry;
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            DbConnection? connection = null;
            try
            {
                connection = await _database.Connections.OpenAsync(_stop.Token).ConfigureAwait(false);
                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = _notifications.Listen;
                    await command.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                }

                IsListening = true;
                Interlocked.Increment(ref _listens);
                if (failures > 0)
                {
                    StateLog.ListenRestored(_logger, schema, Channel, failures);
                }
                else
                {
                    StateLog.Listening(_logger, schema, Channel);
                }

                failures = 0;
                delay = FirstRetry;
                SignalAll();
                await _receiver.ReceiveAsync(connection, _onPayload, _stop.Token).ConfigureAwait(false);
                if (!_stop.IsCancellationRequested)
                {
                    throw new InvalidOperationException($"TaskFlow: the notification receiver {_receiver.GetType().Name} returned while the store was running; it must receive until cancelled or throw.");
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                IsListening = false;
                if (++failures == 1)
                {
                    StateLog.ListenLost(_logger, ex, schema, Channel, _database.Options.WaitPollInterval, LongestRetry);
                }
                else
                {
                    StateLog.ListenRetryFailed(_logger, ex, schema, failures);
                }
            }
            finally
            {
                IsListening = false;
                if (connection is not null)
                {
                    try
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is DbException or InvalidOperationException or System.IO.IOException)
                    {
                        // a broken connection may throw on close: it is gone either way
                    }
                }
            }

            try
            {
                await Task.Delay(delay, _database.Time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestRetry.Ticks));
        }
    }

    /// <summary>Stops listening and releases every waiter (they read once more and time out or return).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            try
            {
                await loop.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // the receiver ignored its cancellation: its connection is abandoned
            }
        }

        SignalAll();
        _stop.Dispose();
    }

    /// <summary>One task id's waiters: one signal, how many wait on it.</summary>
    internal sealed class Waiter
    {
        public TaskCompletionSource Signal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count { get; set; }
    }

    /// <summary>A registered waiter: <see cref="Signalled"/> completes when its task is notified or the listener (re)starts.</summary>
    internal sealed class Registration : IDisposable
    {
        private readonly StateWaits _owner;
        private readonly string _taskId;
        private readonly Waiter _waiter;
        private int _disposed;

        public Registration(StateWaits owner, string taskId, Waiter waiter)
        {
            _owner = owner;
            _taskId = taskId;
            _waiter = waiter;
        }

        public Task Signalled => _waiter.Signal.Task;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _owner.Unregister(_taskId, _waiter);
            }
        }
    }
}
