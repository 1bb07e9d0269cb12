using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core.Probes;

namespace TaskFlow;

/// <summary>
/// The built-in probe task, <c>taskflow.probe(sent_at_ms)</c>, sent on demand: one probe to one queue, run by whichever
/// worker takes it on the path every task takes, answering with the enqueue -> run latency it measured. The probe
/// service (<c>AddProbe</c>) and <c>taskflow probe</c> send probes this way; a deployment script can too. The answer is
/// the probe's result in the state store: <c>await handle.WaitAsync(timeout)</c>, then <see cref="LatencyOf"/>.
/// </summary>
public static class TaskFlowProbe
{
    /// <summary>The probe task's name on the wire.</summary>
    public const string TaskName = ProbeTask.Name;

    /// <summary>The prefix of every probe's task id (<c>probe-...</c>), so that probe records are easy to tell apart.</summary>
    public const string TaskIdPrefix = "probe-";

    /// <summary>
    /// Sends one probe to <paramref name="queue"/>. It expires after <paramref name="expiresIn"/>: a worker that takes it
    /// later records it expired instead of running it, so a queue nobody consumes does not collect probes that all run
    /// when a worker comes back.
    /// </summary>
    /// <param name="client">The task client (with a state store, the returned handle can wait for the answer).</param>
    /// <param name="queue">The queue to probe.</param>
    /// <param name="expiresIn">How long the probe may wait in the queue.</param>
    /// <param name="cancellationToken">Stops waiting for the broker's confirm.</param>
    /// <returns>The probe's handle, once the broker confirmed it.</returns>
    public static ValueTask<TaskHandle> SendProbeAsync(this ITaskClient client, string queue, TimeSpan expiresIn, CancellationToken cancellationToken = default) =>
        SendAsync(client, queue, DateTimeOffset.UtcNow, expiresIn, cancellationToken);

    /// <summary>
    /// The enqueue -> run latency a worker measured for a probe that ran (its result: the sender's clock against the
    /// worker's), or <c>null</c> when <paramref name="probe"/> did not succeed or kept no result.
    /// </summary>
    /// <param name="probe">The probe's state, e.g. from <see cref="TaskHandle.WaitAsync"/>.</param>
    public static TimeSpan? LatencyOf(TaskStateInfo probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        return probe.State == TaskState.Succeeded && probe.ResultJson is { } json
            && double.TryParse(json, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds)
            ? TimeSpan.FromSeconds(Math.Max(0, seconds))
            : null;
    }

    /// <summary>Sends one probe stamped with <paramref name="sentAt"/> (the probe service's clock).</summary>
    internal static ValueTask<TaskHandle> SendAsync(ITaskClient client, string queue, DateTimeOffset sentAt, TimeSpan expiresIn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(expiresIn, TimeSpan.Zero);
        var options = new SendOptions
        {
            Queue = queue,
            TaskId = TaskIdPrefix + Guid.NewGuid().ToString("N"),
            ExpiresIn = expiresIn,
        };
        return client.SendAsync(ProbeTask.Descriptor, new ProbeTask.Arguments(sentAt.ToUnixTimeMilliseconds()), options, cancellationToken);
    }
}
