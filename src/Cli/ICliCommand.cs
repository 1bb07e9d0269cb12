using System.CommandLine;

namespace TaskFlow.Cli;

/// <summary>
/// One command of the tool. Every sealed class implementing this in the assembly is found and added (see
/// <see cref="CliApp"/>): a new command is one file.
/// </summary>
internal interface ICliCommand
{
    /// <summary>The group the command belongs to (<c>dead</c>, <c>schema</c>), or <c>null</c> for a top-level command.</summary>
    string? Group { get; }

    /// <summary>Builds the command with its arguments, options and action (<see cref="CliContext.Run"/>).</summary>
    Command Create();
}
