using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using TaskFlow.Core.Internal;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>
/// The batch enqueue path (<c>ITaskClient.SendManyAsync</c>):
/// every envelope built and checked first, then the per-item store round trips (entity checks and unique claims, only
/// for the items that have a key), then one pipelined send of the rest, then the pending records as one batch.
/// </summary>
internal sealed partial class TaskClient
{
    public async ValueTask<IReadOnlyList<TaskHandle>> SendManyAsync<TArguments>(TaskDescriptor task, IReadOnlyList<TArguments> items, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArgumentWriter
    {
        ArgumentNullException.ThrowIfNull(items);
        var batch = new TaskBatchItem<TArguments>[items.Count];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new TaskBatchItem<TArguments>(items[i], options);
        }

        return await SendManyAsync(task, batch, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<TaskHandle>> SendManyAsync<TArguments>(TaskDescriptor task, IReadOnlyList<TaskBatchItem<TArguments>> items, CancellationToken cancellationToken = default)
        where TArguments : ITaskArgumentWriter
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return [];
        }

        if (_sender.RunsInline)
        {
            // Eager mode: each task runs as it is sent; a failure is the task's own, as with SendAsync.
            var ran = new TaskHandle[items.Count];
            for (var i = 0; i < ran.Length; i++)
            {
                ran[i] = await SendAsync(task, items[i].Arguments, items[i].Options, cancellationToken).ConfigureAwait(false);
            }

            return ran;
        }

        var now = _time.GetUtcNow();
        using var activity = Telemetry.Source.HasListeners()
            ? Telemetry.Source.StartActivity("send " + (items[0].Options?.Queue ?? task.Queue ?? _options.DefaultQueue), ActivityKind.Producer)
            : null;
        var envelopes = Build(task, items, now);
        if (_recorder is NoStateRecorder && _sender is not SinkSender { InProcess: true } && Array.Exists(envelopes, static e => e.OrderKey is not null))
        {
            // As SendAsync: without a store nothing numbers the sends of a key, so they are refused rather than sent unordered.
            throw new InvalidOperationException(OrderedTasks.NoStore(task.Name));
        }
        if (activity is not null)
        {
            activity.SetTag(Telemetry.MessagingSystem, Telemetry.System);
            activity.SetTag(Telemetry.Operation, "send");
            activity.SetTag(Telemetry.OperationName, "send");
            activity.SetTag(Telemetry.Destination, envelopes[0].Queue);
            activity.SetTag(Telemetry.TaskName, envelopes[0].TaskName);
            activity.SetTag("messaging.batch.message_count", envelopes.Length);
        }

        // The items whose key needs the store before the send (entity checks, unique claims, the sequence number of an
        // ordered task) go one at a time, in the batch's order, all of them before anything is published: a refused one
        // sends nothing.
        var handles = new TaskHandle?[envelopes.Length];
        var before = 0;
        try
        {
            for (; before < envelopes.Length; before++)
            {
                var envelope = envelopes[before];
                if (envelope.EntityKey is null && envelope.Unique is null && envelope.OrderKey is null)
                {
                    continue;
                }

                if (await _recorder.BeforeSendAsync(envelope, cancellationToken).ConfigureAwait(false) is { } holder)
                {
                    var existing = _recorder.Attach(new TaskHandle(holder.TaskId, envelope.TaskName, holder.Queue) { Deduplicated = true });
                    handles[before] = existing.Store is null ? _sender.Attach(existing) : existing;
                }
            }
        }
        catch (Exception ex)
        {
            for (var i = 0; i < before; i++)
            {
                if (handles[i] is null && (envelopes[i].EntityKey is not null || envelopes[i].Unique is not null || envelopes[i].OrderKey is not null))
                {
                    await _recorder.SendFailedAsync(envelopes[i], ex).ConfigureAwait(false);
                }
            }

            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw new TaskBatchException(
                $"TaskFlow: item {before} of the batch of task '{task.Name}' was refused before sending ({ex.Message}); nothing of the batch was sent. Remove or fix that item and send the batch again.",
                Outcomes(envelopes, handles, i => i == before ? ex : new OperationCanceledException("TaskFlow: not sent: another item of the batch was refused.")),
                ex);
        }

        var toSend = new List<TaskEnvelope>(envelopes.Length);
        var positions = new List<int>(envelopes.Length);
        for (var i = 0; i < envelopes.Length; i++)
        {
            if (handles[i] is null)
            {
                toSend.Add(envelopes[i]);
                positions.Add(i);
            }
        }

        var errors = new Exception?[toSend.Count];
        try
        {
            await _sender.SendManyAsync(toSend, errors, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            for (var i = 0; i < errors.Length; i++)
            {
                errors[i] ??= ex;
            }
        }

        var sent = new List<TaskEnvelope>(toSend.Count);
        var failed = 0;
        for (var i = 0; i < toSend.Count; i++)
        {
            if (errors[i] is { } error)
            {
                failed++;
                await _recorder.SendFailedAsync(toSend[i], error).ConfigureAwait(false);
            }
            else
            {
                sent.Add(toSend[i]);
                var handle = _recorder.Attach(new TaskHandle(toSend[i].Id, toSend[i].TaskName, toSend[i].Queue));
                handles[positions[i]] = handle.Store is null ? _sender.Attach(handle) : handle;
            }
        }

        if (sent.Count > 0)
        {
            if (Telemetry.Sent.Enabled)
            {
                Telemetry.Sent.Add(sent.Count, Telemetry.Tags(envelopes[0].TaskName, envelopes[0].Queue));
            }

            await _recorder.AfterSendManyAsync(sent, CancellationToken.None).ConfigureAwait(false);
        }

        Log.BatchSent(_logger, task.Name, sent.Count, envelopes.Length, envelopes[0].Queue);
        if (failed > 0)
        {
            var errorOf = new Exception?[envelopes.Length];
            for (var i = 0; i < toSend.Count; i++)
            {
                errorOf[positions[i]] = errors[i];
            }

            activity?.SetStatus(ActivityStatusCode.Error, $"{failed} of {envelopes.Length} not sent");
            var firstFailed = Array.FindIndex(errorOf, e => e is not null);
            Log.BatchIncomplete(_logger, task.Name, failed, envelopes.Length);
            throw new TaskBatchException(
                $"TaskFlow: {failed} of the {envelopes.Length} tasks of the batch of task '{task.Name}' were not enqueued (the first, item {firstFailed} [{envelopes[firstFailed].Id}]: {errorOf[firstFailed]!.Message}). TaskBatchException.Outcomes has the handle of every task that was and the error of every one that was not: send those again.",
                Outcomes(envelopes, handles, i => errorOf[i]));
        }

        var result = new TaskHandle[handles.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = handles[i]!;
        }

        return result;
    }

    /// <summary>Builds and checks every envelope before anything is sent: an invalid item throws, naming it.</summary>
    private TaskEnvelope[] Build<TArguments>(TaskDescriptor task, IReadOnlyList<TaskBatchItem<TArguments>> items, DateTimeOffset now)
        where TArguments : ITaskArgumentWriter
    {
        var envelopes = new TaskEnvelope[items.Count];
        var ids = new HashSet<string>(items.Count, StringComparer.Ordinal);
        for (var i = 0; i < envelopes.Length; i++)
        {
            TaskEnvelope envelope;
            try
            {
                envelope = TaskEnvelope.Create(task, items[i].Arguments, items[i].Options, _options, now, Origin);
            }
            catch (Exception ex) when (ex is ArgumentException or TaskArgumentException or InvalidOperationException)
            {
                throw new ArgumentException($"TaskFlow: item {i} of the batch of task '{task.Name}' is invalid ({ex.Message}); nothing of the batch was sent. Fix or remove that item.", nameof(items), ex);
            }

            if (envelope.Eta is { } eta && eta - now > _sender.MaxDelay)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(items),
                    $"TaskFlow: item {i} of the batch of task '{task.Name}' is due at {TaskEnvelope.FormatTime(eta)}, further away than the {_sender.MaxDelay.TotalDays:F1} days the transport's delays carry; nothing of the batch was sent. Schedule it later, or use a periodic task.");
            }

            if (!ids.Add(envelope.Id))
            {
                throw new ArgumentException($"TaskFlow: item {i} of the batch of task '{task.Name}' has task id '{envelope.Id}', which an earlier item has; nothing of the batch was sent. Give each item its own SendOptions.TaskId, or none.", nameof(items));
            }

            envelopes[i] = envelope;
        }

        return envelopes;
    }

    private static List<TaskBatchOutcome> Outcomes(TaskEnvelope[] envelopes, TaskHandle?[] handles, Func<int, Exception?> errorOf)
    {
        var outcomes = new List<TaskBatchOutcome>(envelopes.Length);
        for (var i = 0; i < envelopes.Length; i++)
        {
            var error = errorOf(i);
            outcomes.Add(new TaskBatchOutcome(i, handles[i]?.Id ?? envelopes[i].Id, error is null ? handles[i] : null, error ?? (handles[i] is null ? new OperationCanceledException("TaskFlow: not sent.") : null)));
        }

        return outcomes;
    }
}
