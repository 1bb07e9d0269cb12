using System.CommandLine;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow schedules pause &lt;name&gt;</c>.</summary>
internal sealed class SchedulePauseCommand : ICliCommand
{
    public string? Group => "schedules";

    public Command Create()
    {
        var name = ScheduleView.NameArgument();
        var json = JsonOption.Create();
        var command = new Command("pause", "Pause a schedule: nothing fires until it is resumed (kept across restarts)") { name, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var key = context.Parse.GetValue(name)!;
            if (!await context.Schedules.PauseAsync(key, context.CancellationToken).ConfigureAwait(false))
            {
                return ScheduleView.NotFound(key);
            }

            if (context.Parse.GetValue(json))
            {
                context.WriteJson(new { schedule = key, paused = true });
            }
            else
            {
                context.Out.WriteLine($"schedule '{key}' paused");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
