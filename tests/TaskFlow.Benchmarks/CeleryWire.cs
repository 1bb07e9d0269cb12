using System;
using System.Diagnostics;
using RabbitMQ.Client;
using TaskFlow.Core;

namespace TaskFlow.Benchmarks;

/// <summary>
/// One TaskFlow message, built once by TaskFlow's own envelope code (internal, visible to this assembly) with
/// the same properties <c>RabbitMqSender</c> sets, for the diagnostic "celery-wire" raw side.
/// </summary>
internal sealed record CeleryWire(BasicProperties Properties, ReadOnlyMemory<byte> Body)
{
    public static CeleryWire Create(string payload)
    {
        var flow = new TaskFlowOptions();
        flow.SerializerOptions.MakeReadOnly(populateMissingResolver: true);
        var envelope = TaskEnvelope.Create(
            BenchTasks.Client.NoopDescriptor,
            new BenchTasks.Client.NoopArguments(Stopwatch.GetTimestamp(), payload),
            options: null,
            flow,
            DateTimeOffset.UtcNow,
            $"gen{Environment.ProcessId}@{Environment.MachineName}");
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            ContentEncoding = "utf-8",
            DeliveryMode = DeliveryModes.Persistent,
            CorrelationId = envelope.Id,
            Headers = envelope.Headers!,
        };
        return new CeleryWire(properties, envelope.Body.ToArray());
    }
}
