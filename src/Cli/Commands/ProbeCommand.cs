using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Spectre.Console;
using TaskFlow.RabbitMq;

namespace TaskFlow.Cli.Commands;

/// <summary>
/// <c>taskflow probe [queue...]</c>: sends the built-in probe task to each queue, waits for the answers in the state
/// store and prints, per queue, whether it answered, its enqueue -> run latency and the worker that ran it. Exit code 1
/// when a queue did not answer in time (with its consumer count: no consumer is the likely cause).
/// </summary>
internal sealed class ProbeCommand : ICliCommand
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public string? Group => null;

    public Command Create()
    {
        var queues = new Argument<string[]>("queue") { Description = "Queues to probe (default: every TaskFlow queue, from the management API)", Arity = ArgumentArity.ZeroOrMore };
        var timeout = new Option<string?>("--timeout") { Description = "How long to wait for the answers (30s, 2m, or seconds; default 30s); a probe not run by then expires", HelpName = "duration" };
        var json = JsonOption.Create();
        var command = new Command("probe", "Send a probe task to each queue and wait for a worker to run it: answered or not, latency, worker (needs the state store)") { queues, timeout, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var wait = context.Parse.GetValue(timeout) is { } text ? Formats.ParseDuration(text, "--timeout") : DefaultTimeout;
            if (!context.HasStore)
            {
                throw new CliException(
                    "probe reads each answer from the state store (the worker that runs a probe records its latency there as the probe's result): " +
                    $"pass --state \"...\" with the application's store, or set {CliContext.StateConnectionStringKey} (environment variable ConnectionStrings__TaskFlow). " +
                    "Without a store, watch the workers' taskflow.probe.latency metric instead (docs/operations.md#probes).");
            }

            var names = context.Parse.GetValue(queues) ?? [];
            var stats = await context.Admin.GetQueueStatsAsync(names, context.CancellationToken).ConfigureAwait(false);
            if (stats.Count == 0)
            {
                return CliContext.Error("the broker has no TaskFlow queue to probe; name the queues (taskflow probe <queue>...).", ExitCodes.Failed);
            }

            var client = context.Client;
            var watch = Stopwatch.StartNew();
            var sent = new List<(QueueStats Stats, TaskHandle Handle)>();
            foreach (var queue in stats)
            {
                sent.Add((queue, await client.SendProbeAsync(queue.Name, wait, context.CancellationToken).ConfigureAwait(false)));
            }

            var answers = await Task.WhenAll(sent.Select(async s =>
            {
                var left = wait - watch.Elapsed;
                try
                {
                    return left > TimeSpan.Zero ? await s.Handle.WaitAsync(left, context.CancellationToken).ConfigureAwait(false) : null;
                }
                catch (TimeoutException)
                {
                    return null;
                }
            })).ConfigureAwait(false);

            // The consumer counts of the queues that did not answer, read again now (the first read may be older).
            var silent = sent.Where((_, i) => answers[i] is null).Select(s => s.Stats.Name).ToList();
            var consumers = stats.ToDictionary(s => s.Name, s => s.Consumers, StringComparer.Ordinal);
            if (silent.Count > 0)
            {
                foreach (var fresh in await context.Admin.GetQueueStatsAsync(silent, context.CancellationToken).ConfigureAwait(false))
                {
                    consumers[fresh.Name] = fresh.Consumers;
                }
            }

            var results = sent.Select((s, i) => Result(s.Stats.Name, s.Handle.Id, answers[i], consumers[s.Stats.Name], wait)).ToList();
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(results);
            }
            else
            {
                var table = new Table().Border(TableBorder.Simple).AddColumns("QUEUE", "ANSWERED", "LATENCY", "WORKER", "CONSUMERS", "PROBLEM");
                foreach (var r in results)
                {
                    table.AddRow(
                        Markup.Escape(r.Queue),
                        r.Answered ? "[green]yes[/]" : "[red]no[/]",
                        r.LatencyMs is { } ms ? ms.ToString("0.#", CultureInfo.InvariantCulture) + " ms" : "-",
                        Markup.Escape(r.Worker ?? "-"),
                        Formats.Number(r.Consumers),
                        Markup.Escape(r.Problem ?? "-"));
                }

                context.Out.Write(table);
                context.Out.WriteLine($"{results.Count(r => r.Answered)} of {results.Count} queue(s) answered within {Formats.Age(wait)}");
            }

            var failed = results.Where(r => !r.Answered).ToList();
            return failed.Count == 0
                ? ExitCodes.Success
                : CliContext.Error(string.Join(" ", failed.Select(r => $"queue '{r.Queue}': {r.Problem}.")), ExitCodes.Failed);
        }));
        return command;
    }

    private static ProbeResult Result(string queue, string taskId, TaskStateInfo? answer, long consumers, TimeSpan wait)
    {
        if (answer is null)
        {
            var cause = consumers == 0
                ? "it has 0 consumers: the likely cause is that no worker consumes it"
                : $"it has {consumers} consumer(s): they are busy, stuck, or behind a backlog";
            return new ProbeResult(queue, taskId, false, null, null, null, consumers, $"no answer within {Formats.Age(wait)}; {cause}");
        }

        if (TaskFlowProbe.LatencyOf(answer) is { } latency)
        {
            return new ProbeResult(queue, taskId, true, answer.State, Math.Round(latency.TotalMilliseconds, 1), answer.Worker, consumers, null);
        }

        return new ProbeResult(queue, taskId, false, answer.State, null, answer.Worker, consumers, $"the probe ended {answer.State.ToWireName()}{(answer.Error is { } error ? ": " + error : string.Empty)}");
    }

    /// <summary>One queue's probe, as printed.</summary>
    private sealed record ProbeResult(string Queue, string TaskId, bool Answered, TaskState? State, double? LatencyMs, string? Worker, long Consumers, string? Problem);
}
