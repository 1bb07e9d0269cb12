using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using TaskFlow.Core.Internal;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core;

/// <summary>
/// The one enqueue path behind every <see cref="ITaskClient"/>: build the envelope, record (before and after), send.
/// The sender is the transport's (RabbitMQ), the task itself (eager mode) or the outbox in the caller's transaction;
/// the recorder is the state store's, or <see cref="NoStateRecorder"/>.
/// </summary>
internal sealed partial class TaskClient : ITaskClient
{
    private readonly ITaskSender _sender;
    private readonly ITaskSendRecorder _recorder;
    private readonly TaskFlowOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public TaskClient(ITaskSender sender, ITaskSendRecorder recorder, TaskFlowOptions options, TimeProvider time, ILogger logger)
    {
        _sender = sender;
        _recorder = recorder;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Celery's <c>origin</c> header: which process sent the task.</summary>
    public static string Origin { get; } = $"gen{Environment.ProcessId}@{Environment.MachineName}";

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TaskHandle> SendAsync<TArguments>(TaskDescriptor task, TArguments arguments, SendOptions? options = null, CancellationToken cancellationToken = default)
        where TArguments : ITaskArgumentWriter
    {
        ArgumentNullException.ThrowIfNull(task);
        var now = _time.GetUtcNow();
        // The producer span (none unless someone listens to TaskFlow's source); the envelope carries its trace context.
        using var activity = Telemetry.Source.HasListeners()
            ? Telemetry.Source.StartActivity("send " + (options?.Queue ?? task.Queue ?? _options.DefaultQueue), ActivityKind.Producer)
            : null;
        // Its body in a pooled array, given back when this send has ended: no sender keeps it (those that hold a message
        // past its send, the outbox and an in-process transport, copy it).
        var envelope = TaskEnvelope.Create(task, arguments, options, _options, now, Origin, pooledBody: true);
        try
        {
            if (activity is not null)
            {
                activity.SetTag(Telemetry.MessagingSystem, Telemetry.System);
                activity.SetTag(Telemetry.Operation, "send");
                activity.SetTag(Telemetry.OperationName, "send");
                activity.SetTag(Telemetry.Destination, envelope.Queue);
                activity.SetTag(Telemetry.MessageId, envelope.Id);
                activity.SetTag(Telemetry.TaskName, envelope.TaskName);
            }

            if (envelope.Eta is { } eta && eta - now > _sender.MaxDelay)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(options),
                    $"TaskFlow: task '{task.Name}' is due at {TaskEnvelope.FormatTime(eta)}, further away than the {_sender.MaxDelay.TotalDays:F1} days the transport's delays carry. Schedule it later, or use a periodic task.");
            }

            if (envelope.OrderKey is not null && _recorder is NoStateRecorder && !_sender.RunsInline && _sender is not SinkSender { InProcess: true })
            {
                // Without a store nothing numbers the sends of a key: refused rather than sent unordered (eager mode and the
                // test harness run tasks in-process, in the order they are sent).
                throw new InvalidOperationException(OrderedTasks.NoStore(task.Name));
            }

            if (await _recorder.BeforeSendAsync(envelope, cancellationToken).ConfigureAwait(false) is { } holder)
            {
                // A unique task whose key another task holds: nothing is sent; the caller gets the holder's handle.
                activity?.SetTag(Telemetry.Deduplicated, true);
                activity?.SetTag(Telemetry.MessageId, holder.TaskId);
                var existing = _recorder.Attach(new TaskHandle(holder.TaskId, envelope.TaskName, holder.Queue) { Deduplicated = true });
                return existing.Store is null ? _sender.Attach(existing) : existing;
            }

            try
            {
                await _sender.SendAsync(envelope, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!_sender.RunsInline)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                activity?.SetTag("error.type", ex.GetType().FullName);
                await _recorder.SendFailedAsync(envelope, ex).ConfigureAwait(false);
                throw;
            }

            if (Telemetry.Sent.Enabled)
            {
                Telemetry.Sent.Add(1, Telemetry.Tags(envelope.TaskName, envelope.Queue));
            }

            await _recorder.AfterSendAsync(envelope, CancellationToken.None).ConfigureAwait(false);
            Log.TaskSent(_logger, task.Name, envelope.Id, envelope.Queue);
            var handle = _recorder.Attach(new TaskHandle(envelope.Id, envelope.TaskName, envelope.Queue));
            return handle.Store is null ? _sender.Attach(handle) : handle;
        }
        finally
        {
            envelope.ReturnBody();
        }
    }
}
