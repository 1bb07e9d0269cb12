using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>
/// <c>[Task(MaxConcurrency = n)]</c>: before a limited task runs, one of its resource's n permits is taken from
/// <see cref="ITaskLocks"/> (the state store); when all are held the task is deferred (sent round again, about
/// <see cref="Recheck"/> later, jittered) instead of waiting in a prefetch or task slot.
/// </summary>
internal sealed class ConcurrencyLimits
{
    /// <summary>How long a task over its limit waits before it is tried again (jittered between half and one and a half times).</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromSeconds(2);

    /// <summary>No limits (replay, which runs one task in-process for a debugger).</summary>
    public static readonly ConcurrencyLimits None = new(null);

    private readonly ITaskLocks? _locks;

    public ConcurrencyLimits(ITaskLocks? locks)
    {
        _locks = locks;
    }

    /// <summary>The resource a limited task's permits belong to: its concurrency key, else the task as a whole.</summary>
    public static string ResourceOf(TaskDescriptor task, TaskHeaders headers) => headers.ConcurrencyKey ?? "task:" + task.Name;

    /// <summary>Whether <paramref name="task"/> runs under a limit here.</summary>
    public bool Applies(TaskDescriptor task) => task.MaxConcurrency > 0 && _locks is not null;

    /// <summary>Takes a permit for one run; <c>null</c> when every permit is held.</summary>
    public Task<ITaskLock?> TryEnterAsync(TaskDescriptor task, TaskHeaders headers, CancellationToken cancellationToken) =>
        _locks!.TryAcquireAsync(ResourceOf(task, headers), task.MaxConcurrency, cancellationToken);

    /// <summary>Whether permits can be taken here (a state store is registered).</summary>
    public bool CanLock => _locks is not null;

    /// <summary>The single permit of an ordered task's key (<c>order:</c> + key); <c>null</c> while another run of the key holds it.</summary>
    public Task<ITaskLock?> TryEnterOrderAsync(string orderKey, CancellationToken cancellationToken) =>
        _locks!.TryAcquireAsync("order:" + orderKey, 1, cancellationToken);

    /// <summary>When a task refused a permit is looked at again.</summary>
    public static TimeSpan RecheckDelay() => TimeSpan.FromTicks((long)(Recheck.Ticks * (0.5 + Random.Shared.NextDouble())));

    /// <summary>Start-up errors: limited tasks in a process without a state store.</summary>
    public IEnumerable<string> Problems(IEnumerable<TaskDescriptor> tasks)
    {
        if (_locks is not null)
        {
            yield break;
        }

        foreach (var task in tasks)
        {
            if (task.MaxConcurrency > 0)
            {
                yield return $"Task {task.Name} is declared [Task(MaxConcurrency = {task.MaxConcurrency})], which counts running tasks across workers in the state store: add .AddStateStore(...) after services.AddTaskFlow(...), or remove MaxConcurrency.";
            }
        }
    }
}
