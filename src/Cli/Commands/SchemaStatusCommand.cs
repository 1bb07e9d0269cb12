using System.CommandLine;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow schema status</c>: the schema's version and the one this TaskFlow needs.</summary>
internal sealed class SchemaStatusCommand : ICliCommand
{
    public string? Group => "schema";

    public Command Create()
    {
        var json = JsonOption.Create();
        var command = new Command("status", "The state store schema's version and the version this TaskFlow needs") { json };
        command.SetAction(CliContext.Run(async context =>
        {
            var (current, required) = await context.Store.GetSchemaVersionAsync(context.CancellationToken).ConfigureAwait(false);
            var upToDate = current >= required;
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(new { current, required, upToDate });
            }
            else
            {
                context.Out.WriteLine(current == 0
                    ? $"no schema yet (this TaskFlow needs version {required}): run 'taskflow schema apply'"
                    : upToDate ? $"schema at version {current}, up to date" : $"schema at version {current}, this TaskFlow needs {required}: run 'taskflow schema apply'");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
