using System.CommandLine;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow schedules delete &lt;name&gt;</c>.</summary>
internal sealed class ScheduleDeleteCommand : ICliCommand
{
    public string? Group => "schedules";

    public Command Create()
    {
        var name = ScheduleView.NameArgument();
        var json = JsonOption.Create();
        var command = new Command("delete", "Delete a schedule and its fire history (one declared in code comes back at the next scheduler start)") { name, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var key = context.Parse.GetValue(name)!;
            if (!await context.Schedules.DeleteAsync(key, context.CancellationToken).ConfigureAwait(false))
            {
                return ScheduleView.NotFound(key);
            }

            if (context.Parse.GetValue(json))
            {
                context.WriteJson(new { schedule = key, deleted = true });
            }
            else
            {
                context.Out.WriteLine($"schedule '{key}' deleted");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
