using System;
using System.CommandLine;
using Spectre.Console;
using TaskFlow.State;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow workers</c>: the workers recorded in the state store, running, stopped or lost.</summary>
internal sealed class WorkersCommand : ICliCommand
{
    public string? Group => null;

    public Command Create()
    {
        var json = JsonOption.Create();
        var command = new Command("workers", "Workers from their heartbeats in the state store: running, stopped, lost") { json };
        command.SetAction(CliContext.Run(async context =>
        {
            var workers = await context.Store.GetWorkersAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(workers);
                return ExitCodes.Success;
            }

            var now = DateTimeOffset.UtcNow;
            var table = new Table().Border(TableBorder.Simple)
                .AddColumns("WORKER", "STATUS", "HOST", "PID", "VERSION", "QUEUES", "SLOTS", "IN FLIGHT", "STARTED", "LAST SEEN");
            foreach (var w in workers)
            {
                var status = w.Status switch
                {
                    WorkerStatus.Running => "[green]running[/]",
                    WorkerStatus.Lost => "[red]lost[/]",
                    _ => "stopped",
                };
                table.AddRow(
                    Markup.Escape(w.Name),
                    status,
                    Markup.Escape(w.Host),
                    w.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(w.Version ?? "-"),
                    Markup.Escape(string.Join(",", w.Queues)),
                    Formats.Number(w.Concurrency),
                    Formats.Number(w.InFlight),
                    Formats.Time(w.StartedAt),
                    Formats.Age(now - w.LastSeenAt) + " ago");
            }

            context.Out.Write(table);
            context.Out.WriteLine($"{workers.Count} worker(s)");
            return ExitCodes.Success;
        }));
        return command;
    }
}
