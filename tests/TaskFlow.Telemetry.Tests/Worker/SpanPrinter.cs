using System;
using System.Diagnostics;
using System.Globalization;
using OpenTelemetry;

namespace TaskFlow.Telemetry.Worker;

/// <summary>
/// An OpenTelemetry processor that prints each ended span as one line, for the test that reads the worker's output:
/// <c>SPAN kind trace-id span-id parent-span-id message-id outcome name</c> (<c>-</c> for a missing value).
/// </summary>
public sealed class SpanPrinter : BaseProcessor<Activity>
{
    /// <summary>The prefix of a span line.</summary>
    public const string Prefix = "SPAN ";

    /// <inheritdoc />
    public override void OnEnd(Activity data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var line = string.Join(
            ' ',
            data.Kind.ToString(),
            data.TraceId.ToHexString(),
            data.SpanId.ToHexString(),
            data.ParentSpanId == default ? "-" : data.ParentSpanId.ToHexString(),
            Convert.ToString(data.GetTagItem("messaging.message.id"), CultureInfo.InvariantCulture) is { Length: > 0 } id ? id : "-",
            Convert.ToString(data.GetTagItem("taskflow.task.outcome"), CultureInfo.InvariantCulture) is { Length: > 0 } outcome ? outcome : "-",
            data.DisplayName.Replace(' ', '_'));
        Console.Out.WriteLine(Prefix + line);
        Console.Out.Flush();
    }
}
