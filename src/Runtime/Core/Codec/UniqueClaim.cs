using System;

namespace TaskFlow.Core;

/// <summary>
/// What a unique enqueue asks the state store to hold (<see cref="SendOptions.UniqueKey"/>, <c>[Task(Unique)]</c>): the
/// key, per task name, for the scope, at most for the period. Travels with the <see cref="TaskEnvelope"/> only, not in
/// the message.
/// </summary>
/// <param name="Key">The key, 1-255 characters.</param>
/// <param name="Scope">How long it holds.</param>
/// <param name="Period">How long it is held at most; <c>null</c>: no period (bounded by the store's expiry of unfinished records).</param>
internal sealed record UniqueClaim(string Key, UniqueScope Scope, TimeSpan? Period)
{
    /// <summary>The longest <see cref="SendOptions.UniqueFor"/>.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(365);

    /// <summary>The claim of an enqueue, or <c>null</c> when it is not unique; <see cref="ArgumentException"/> when the options do not fit.</summary>
    public static UniqueClaim? Of(Infrastructure.TaskDescriptor task, SendOptions? options)
    {
        if (options?.UniqueKey is not { } key)
        {
            if (options?.UniqueFor is not null || options?.UniqueScope is not null)
            {
                throw new ArgumentException($"TaskFlow: SendOptions.UniqueFor and UniqueScope of task '{task.Name}' need SendOptions.UniqueKey (or [Task(Unique = \"...\")] on the task).", nameof(options));
            }

            return null;
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(key, nameof(options));
        if (key.Length > 255)
        {
            throw new ArgumentException("TaskFlow: SendOptions.UniqueKey is longer than 255 characters.", nameof(options));
        }

        var scope = options.UniqueScope ?? task.UniqueScope;
        if (!Enum.IsDefined(scope))
        {
            throw new ArgumentException($"TaskFlow: UniqueScope {(int)scope} of task '{task.Name}' is not one of WhilePending, WhilePendingOrRunning, ForPeriod.", nameof(options));
        }

        var period = options.UniqueFor ?? task.UniqueFor;
        if (period is { } p && (p < TimeSpan.FromSeconds(1) || p > MaxPeriod))
        {
            throw new ArgumentException($"TaskFlow: UniqueFor of task '{task.Name}' is {p}; give between 1 second and 365 days.", nameof(options));
        }

        if (scope == UniqueScope.ForPeriod && period is null)
        {
            throw new ArgumentException($"TaskFlow: task '{task.Name}' is unique ForPeriod without a period: set [Task(UniqueFor = seconds)] or SendOptions.UniqueFor.", nameof(options));
        }

        return new UniqueClaim(key, scope, period);
    }
}
