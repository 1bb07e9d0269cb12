using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TaskFlow.Core.Probes;

/// <summary>The per-queue loop of the probe and queues health parts: each queue judged, the worst status, the problems and the data.</summary>
internal static class QueueVerdicts
{
    /// <summary>
    /// Judges each of <paramref name="queues"/> (in name order): its text goes into the data under its name; a queue that
    /// is not healthy adds <c>name: problem</c> (its text when it names no problem of its own).
    /// </summary>
    public static (HealthStatus Worst, List<string> Problems, Dictionary<string, object> Data) Judge<T>(
        IEnumerable<T> queues,
        Func<T, string> name,
        Func<T, (HealthStatus Status, string Text, string? Problem)> judge)
    {
        var worst = HealthStatus.Healthy;
        var problems = new List<string>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var queue in queues.OrderBy(name, StringComparer.Ordinal))
        {
            var (status, text, problem) = judge(queue);
            data[name(queue)] = text;
            if (status != HealthStatus.Healthy)
            {
                problems.Add($"{name(queue)}: {problem ?? text}");
            }

            worst = status < worst ? status : worst;
        }

        return (worst, problems, data);
    }
}
