using System.CommandLine;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow schedules resume &lt;name&gt;</c>.</summary>
internal sealed class ScheduleResumeCommand : ICliCommand
{
    public string? Group => "schedules";

    public Command Create()
    {
        var name = ScheduleView.NameArgument();
        var json = JsonOption.Create();
        var command = new Command("resume", "Resume a paused schedule from now (fires missed while paused are not caught up)") { name, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var key = context.Parse.GetValue(name)!;
            if (!await context.Schedules.ResumeAsync(key, context.CancellationToken).ConfigureAwait(false))
            {
                return ScheduleView.NotFound(key);
            }

            if (context.Parse.GetValue(json))
            {
                context.WriteJson(new { schedule = key, resumed = true });
            }
            else
            {
                context.Out.WriteLine($"schedule '{key}' resumed");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
