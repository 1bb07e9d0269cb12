using System;
using System.Collections.Generic;
using System.Threading;

namespace TaskFlow.State.Internal;

/// <summary>Tasks running in this process, so that a revoke can cancel their token.</summary>
internal sealed class RunningTasks
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);

    public sealed class Running : IDisposable
    {
        private readonly RunningTasks _owner;

        public Running(RunningTasks owner, string taskId, CancellationToken token)
        {
            _owner = owner;
            TaskId = taskId;
            Cancellation = CancellationTokenSource.CreateLinkedTokenSource(token);
        }

        public string TaskId { get; }

        public CancellationTokenSource Cancellation { get; }

        public bool Revoked { get; private set; }

        public void Revoke()
        {
            Revoked = true;
            try
            {
                Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // finished meanwhile
            }
        }

        public void Dispose()
        {
            _owner._running.TryRemove(new KeyValuePair<string, Running>(TaskId, this));
            Cancellation.Dispose();
        }
    }

    public int Count => _running.Count;

    public Running Start(string taskId, CancellationToken token)
    {
        var running = new Running(this, taskId, token);
        _running[taskId] = running;
        return running;
    }

    public IReadOnlyList<string> Ids() => new List<string>(_running.Keys);

    public bool Revoke(string taskId)
    {
        if (_running.TryGetValue(taskId, out var running))
        {
            running.Revoke();
            return true;
        }

        return false;
    }
}
