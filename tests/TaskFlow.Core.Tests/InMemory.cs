using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core.Tests;

/// <summary>A sender that keeps what it is given (or fails, when told to): the enqueue path without a broker.</summary>
internal sealed class InMemorySender : ITaskSender
{
    private readonly List<string> _log;

    public InMemorySender(List<string> log)
    {
        _log = log;
    }

    public List<TaskEnvelope> Sent { get; } = new();

    public Exception? FailWith { get; set; }

    public TimeSpan MaxDelay { get; init; } = TaskFlowLimits.MaxDelay;

    public bool RunsInline => false;

    public ValueTask SendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        _log.Add("send " + envelope.Id);
        if (FailWith is { } failure)
        {
            throw failure;
        }

        Sent.Add(envelope.Keep()); // kept past the send: its pooled body goes back when the send ends
        return ValueTask.CompletedTask;
    }
}

/// <summary>A send recorder that writes down when it was called.</summary>
internal sealed class LoggingRecorder : ITaskSendRecorder
{
    private readonly List<string> _log;

    public LoggingRecorder(List<string> log)
    {
        _log = log;
    }

    public ValueTask<UniqueHolder?> BeforeSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        _log.Add("before " + envelope.Id + (envelope.EntityKey is { } key ? " entity " + key : string.Empty));
        return ValueTask.FromResult<UniqueHolder?>(null);
    }

    public ValueTask AfterSendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        _log.Add("after " + envelope.Id);
        return ValueTask.CompletedTask;
    }

    public ValueTask SendFailedAsync(TaskEnvelope envelope, Exception exception)
    {
        _log.Add("failed " + envelope.Id + ": " + exception.Message);
        return ValueTask.CompletedTask;
    }

    public TaskHandle Attach(TaskHandle handle)
    {
        _log.Add("attach " + handle.Id);
        return handle;
    }
}
