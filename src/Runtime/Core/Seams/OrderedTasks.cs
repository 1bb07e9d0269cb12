using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>
/// Ordered processing per key at the worker (<c>[Task(Ordered = true)]</c>): before an ordered task runs, the store's
/// <see cref="IOrderGate"/> says whether every earlier task of its key is final; when one is not, the task is deferred
/// (sent round the delay levels, holding no task slot) and looked at again after <see cref="RecheckDelay"/>.
/// </summary>
internal sealed class OrderedTasks
{
    /// <summary>No gate (replay, which runs one task in-process for a debugger).</summary>
    public static readonly OrderedTasks None = new(null);

    /// <summary>The recheck delay per sequence number between a waiting task and the task that holds it back.</summary>
    public static readonly TimeSpan RecheckPerPlace = TimeSpan.FromMilliseconds(150);

    /// <summary>The longest recheck delay.</summary>
    public static readonly TimeSpan MaxRecheck = TimeSpan.FromSeconds(3);

    private readonly IOrderGate? _gate;

    public OrderedTasks(IOrderGate? gate)
    {
        _gate = gate;
    }

    /// <summary>Whether a delivery goes through the gate here: it was sent with an order key and the process has a store.</summary>
    public bool Applies(TaskHeaders headers) => headers.OrderKey is not null && _gate is not null;

    /// <summary>Asks the store whether the task may run now.</summary>
    public Task<OrderCheck> CheckAsync(TaskHeaders headers, CancellationToken cancellationToken) =>
        _gate!.CheckAsync(headers.Id, headers.OrderKey!, cancellationToken);

    /// <summary>
    /// When a task held back by a predecessor <paramref name="distance"/> places ahead is looked at again:
    /// <see cref="RecheckPerPlace"/> per place (the task just behind the running one comes back soonest, so a backlog drains
    /// in order without the later ones asking all the time), at most <see cref="MaxRecheck"/>, jittered by ±20%.
    /// </summary>
    public static TimeSpan RecheckDelay(long distance)
    {
        var ticks = Math.Min(RecheckPerPlace.Ticks * Math.Max(1, distance), MaxRecheck.Ticks);
        return TimeSpan.FromTicks((long)(ticks * (0.8 + (0.4 * Random.Shared.NextDouble()))));
    }

    /// <summary>The error of an ordered send in a process without a state store.</summary>
    public static string NoStore(string taskName) =>
        $"TaskFlow: task {taskName} is sent with an order key, whose sequence is kept in the state store: add .AddStateStore(...) after services.AddTaskFlow(...), or send it without SendOptions.OrderKey.";

    /// <summary>
    /// Start-up errors: ordered tasks registered in a process without a state store (<paramref name="hasStore"/> false), or
    /// that the store cannot order (<see cref="IOrderGate.Problem"/>).
    /// </summary>
    public static IEnumerable<string> Problems(IEnumerable<TaskDescriptor> tasks, bool hasStore, IOrderGate? gate)
    {
        foreach (var task in tasks)
        {
            if (!task.Ordered)
            {
                continue;
            }

            if (!hasStore)
            {
                yield return $"Task {task.Name} is declared [Task(Ordered = true)], whose sequence per key is kept in the state store: add .AddStateStore(...) after services.AddTaskFlow(...), or remove Ordered.";
            }
            else if (gate?.Problem(task) is { } problem)
            {
                yield return problem;
            }
        }
    }
}
