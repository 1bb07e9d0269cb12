using System.CommandLine;

namespace TaskFlow.Cli;

/// <summary>The <c>--json</c> option of the read commands.</summary>
internal static class JsonOption
{
    public static Option<bool> Create() => new("--json") { Description = "Write JSON to standard output instead of a table" };
}
