using System.CommandLine;
using System.Threading.Tasks;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow schema script</c>: the whole schema as SQL, for review or a DBA.</summary>
internal sealed class SchemaScriptCommand : ICliCommand
{
    public string? Group => "schema";

    public Command Create()
    {
        var command = new Command("script", "Print the whole schema as a SQL script (for review, or to apply by hand)");
        command.SetAction(CliContext.Run(context =>
        {
            System.Console.Out.WriteLine(context.Store.GetSchemaScript());
            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }
}
