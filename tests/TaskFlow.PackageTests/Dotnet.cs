using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;

namespace TaskFlow.PackageTests;

/// <summary>Runs the <c>dotnet</c> CLI (and programs it built) as child processes, isolated from the test host's MSBuild settings.</summary>
internal static class Dotnet
{
    /// <summary>The dotnet executable the tests run under (set by <c>dotnet test</c>), else <c>dotnet</c> from the PATH.</summary>
    public static string Executable => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>A start info for <paramref name="fileName"/> with redirected output and a clean environment.</summary>
    public static ProcessStartInfo StartInfo(string fileName, string directory, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host runs under 'dotnet test': do not hand its MSBuild settings to the child builds.
        foreach (var key in start.Environment.Keys.Where(key => key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
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
        var command = "dotnet " + string.Join(' ', arguments);
        using var process = Process.Start(StartInfo(Executable, directory, environment, arguments))!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            var partial = await stdout + await stderr;
            log("$ " + command + Environment.NewLine + partial);
            throw new TimeoutException(command + " did not finish within " + timeout + " (or the test's time was up):" + Environment.NewLine + partial);
        }

        var text = await stdout + await stderr;
        log("$ " + command + Environment.NewLine + text);
        process.ExitCode.ShouldBe(0, command + " failed:" + Environment.NewLine + text);
        return text;
    }
}
