using System.CommandLine;
using System.Linq;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow queues [queue...]</c>: depth, consumers, rates, oldest message age and dead letters per queue.</summary>
internal sealed class QueuesCommand : ICliCommand
{
    public string? Group => null;

    public Command Create()
    {
        var queues = new Argument<string[]>("queue") { Description = "Queues to show (default: every TaskFlow queue, from the management API)", Arity = ArgumentArity.ZeroOrMore };
        var json = JsonOption.Create();
        var command = new Command("queues", "Queue statistics: ready, unacknowledged, consumers, rates, oldest message age, dead letters") { queues, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var stats = await context.Admin.GetQueueStatsAsync(context.Parse.GetValue(queues), context.CancellationToken).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(stats);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple)
                .AddColumns("QUEUE", "TYPE", "READY", "UNACKED", "CONSUMERS", "IN/S", "OUT/S", "OLDEST", "DEAD");
            foreach (var q in stats)
            {
                table.AddRow(
                    Markup.Escape(q.Name),
                    q.Type ?? "-",
                    Formats.Number(q.Ready),
                    Formats.Number(q.Unacknowledged),
                    Formats.Number(q.Consumers),
                    Formats.Rate(q.PublishRate),
                    Formats.Rate(q.DeliverRate),
                    Formats.Age(q.OldestMessageAge),
                    q.DeadLetters is > 0 ? $"[red]{Formats.Number(q.DeadLetters)}[/]" : Formats.Number(q.DeadLetters));
            }

            context.Out.Write(table);
            var source = stats.Count > 0 && stats.All(s => s.Source == TaskFlow.RabbitMq.QueueStatsSource.PassiveDeclare)
                ? "passive declares (the management API was not reachable: depth and consumers only)"
                : $"management API {context.Admin.ManagementUri}";
            context.Out.WriteLine($"{stats.Count} queue(s); source: {source}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
