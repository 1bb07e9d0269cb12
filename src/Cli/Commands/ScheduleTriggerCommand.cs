using System.CommandLine;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow schedules trigger &lt;name&gt;</c>: send the schedule's task now.</summary>
internal sealed class ScheduleTriggerCommand : ICliCommand
{
    public string? Group => "schedules";

    public Command Create()
    {
        var name = ScheduleView.NameArgument();
        var json = JsonOption.Create();
        var command = new Command("trigger", "Send the schedule's task now through the outbox, whatever its overlap policy (it becomes the schedule's last fire)") { name, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var key = context.Parse.GetValue(name)!;
            var schedule = await context.Schedules.GetAsync(key, context.CancellationToken).ConfigureAwait(false);
            if (schedule is null)
            {
                return ScheduleView.NotFound(key);
            }

            var fire = await context.Schedules.TriggerAsync(key, context.CancellationToken).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(fire);
            }
            else
            {
                context.Out.WriteLine($"schedule '{key}' triggered: task {schedule.Definition.TaskName} [{fire.TaskId}] written to the outbox");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
