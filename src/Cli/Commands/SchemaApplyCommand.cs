using System.CommandLine;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow schema apply</c>: creates or migrates the state store's schema.</summary>
internal sealed class SchemaApplyCommand : ICliCommand
{
    public string? Group => "schema";

    public Command Create()
    {
        var json = JsonOption.Create();
        var command = new Command("apply", "Create or migrate the state store's schema (idempotent, safe while workers run)") { json };
        command.SetAction(CliContext.Run(async context =>
        {
            var ran = await context.Store.ApplySchemaAsync(context.CancellationToken).ConfigureAwait(false);
            var (current, required) = await context.Store.GetSchemaVersionAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(new { migrationsApplied = ran, current, required });
            }
            else
            {
                context.Out.WriteLine(ran == 0 ? $"schema up to date (version {current})" : $"applied {ran} migration(s); schema at version {current}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
