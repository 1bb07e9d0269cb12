using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.TestSupport;

/// <summary>The <c>dotnet</c> host as a child process: the CLI, and the apps built next to the test assembly.</summary>
public static class Dotnet
{
    /// <summary>The dotnet executable the tests run under (<c>DOTNET_HOST_PATH</c>, set by <c>dotnet test</c>), else <c>dotnet</c> from the PATH.</summary>
    public static string Host => TestEnvironment.Variable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>
    /// A start info for <c>dotnet {arguments}</c>, isolated from the test host's MSBuild settings (the test host runs under
    /// <c>dotnet test</c>: its MSBuild* variables are not handed to child builds), without telemetry, logo or node reuse.
    /// </summary>
    /// <param name="arguments">The arguments of dotnet (a command, or the path of an app).</param>
    /// <param name="workingDirectory">The working directory; by default the test's.</param>
    /// <param name="environment">Variables to set on top.</param>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(Host) { WorkingDirectory = workingDirectory ?? string.Empty };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(key => key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>
    /// The path of an app built next to the test assembly (by a ProjectReference), e.g. <c>TaskFlow.FaultWorker.dll</c>;
    /// fails unless it and its runtimeconfig.json are there.
    /// </summary>
    public static string AppNextToTests(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, fileName);
        if (!File.Exists(path) || !File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")))
        {
            throw new FileNotFoundException($"{fileName} (and its runtimeconfig.json) must be next to the test assembly (ProjectReference)", path);
        }

        return path;
    }

    /// <summary>
    /// Runs <c>dotnet {arguments}</c> in <paramref name="directory"/> to its end, writes the command and its output to
    /// <paramref name="log"/> and returns the output; fails unless it exits with 0 within <paramref name="timeout"/>
    /// (the process tree is killed when the time is up or <paramref name="cancellationToken"/> is cancelled).
    /// </summary>
    public static async Task<string> RunAsync(
        string directory,
        IReadOnlyDictionary<string, string> environment,
        Action<string> log,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(log);
        var command = "dotnet " + string.Join(' ', arguments);
        ProcessResult result;
        try
        {
            result = await ChildProcess.RunAsync(StartInfo(arguments, directory, environment), timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            log("$ " + command + Environment.NewLine + ex.Message);
            throw;
        }

        log("$ " + command + Environment.NewLine + result.Output);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} failed with exit code {result.ExitCode}:{Environment.NewLine}{result.Output}");
        }

        return result.Output;
    }
}
