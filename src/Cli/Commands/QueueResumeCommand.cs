using System.CommandLine;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow queues resume &lt;queue&gt;</c>: workers consume a paused queue again.</summary>
internal sealed class QueueResumeCommand : ICliCommand
{
    public string? Group => "queues";

    public Command Create()
    {
        var queue = new Argument<string>("queue") { Description = "The queue to resume" };
        var json = JsonOption.Create();
        var command = new Command("resume", "Resume consuming a paused queue: workers take its messages again within a second or two") { queue, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var name = context.Parse.GetValue(queue)!;
            var resumed = await context.Operators.ResumeQueueAsync(name, context.CancellationToken).ConfigureAwait(false);
            var outcome = resumed ? $"resumed queue '{name}'" : $"queue '{name}' was not paused";
            await context.AuditAsync("queue.resume", name, null, outcome).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(new { queue = name, paused = false, changed = resumed });
            }
            else
            {
                context.Out.WriteLine(outcome);
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
