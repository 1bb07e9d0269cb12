using System.CommandLine;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow queues pause &lt;queue&gt; [--reason text]</c>: stop every worker with this state store consuming a queue.</summary>
internal sealed class QueuePauseCommand : ICliCommand
{
    public string? Group => "queues";

    public Command Create()
    {
        var queue = new Argument<string>("queue") { Description = "The queue to pause" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept with the pause and in the audit log)", HelpName = "text" };
        var json = JsonOption.Create();
        var command = new Command("pause", "Pause consuming a queue: every worker with this state store stops taking its messages within a second or two (running tasks finish; messages stay in the queue) until 'queues resume'. Needs the state store (kept across restarts)") { queue, reason, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var name = context.Parse.GetValue(queue)!;
            var why = context.Parse.GetValue(reason);
            var paused = await context.Operators.PauseQueueAsync(name, CliContext.Actor, why, context.CancellationToken).ConfigureAwait(false);
            var outcome = paused ? $"paused queue '{name}'" : $"queue '{name}' was paused already";
            await context.AuditAsync("queue.pause", name, why is null ? null : "reason=" + why, outcome).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(new { queue = name, paused = true, changed = paused });
            }
            else
            {
                context.Out.WriteLine(outcome + "; workers stop consuming it within a second or two");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
