using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskFlow.TestSupport;

namespace TaskFlow.Cli.Tests;

/// <summary>
/// The taskflow tool as a child process (<c>dotnet TaskFlow.Cli.dll ...</c>), run in an empty working directory of its
/// own (no appsettings.json unless a test writes one), connected by flags or environment variables.
/// </summary>
public sealed class Cli
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    public Cli(string? schema = null)
    {
        Directory = Path.Combine(Path.GetTempPath(), "taskflow-cli-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        Schema = schema;
    }

    /// <summary>The working directory of the tool.</summary>
    public string Directory { get; }

    /// <summary>The schema passed with --schema, if any.</summary>
    public string? Schema { get; }

    /// <summary>Environment variables of the tool; by default the broker and the state store of the tests.</summary>
    public Dictionary<string, string> Environment { get; } = new()
    {
        ["TaskFlow__RabbitMq__ConnectionUri"] = TestEnvironment.BrokerUri.ToString(),
        ["ConnectionStrings__TaskFlow"] = TestEnvironment.PostgresConnectionString,
    };

    public ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var all = new List<string> { Dotnet.AppNextToTests("TaskFlow.Cli.dll") };
        all.AddRange(arguments);
        if (Schema is not null)
        {
            all.AddRange(["--schema", Schema]);
        }

        return Dotnet.StartInfo(all, Directory, Environment);
    }

    public Task<ProcessResult> RunAsync(params string[] arguments) => ChildProcess.RunAsync(StartInfo(arguments), RunTimeout);

    /// <summary>Runs the tool with <paramref name="input"/> on its standard input (through bash: <c>printf ... | dotnet ...</c>).</summary>
    public Task<ProcessResult> RunWithInputAsync(string input, params string[] arguments)
    {
        var start = StartInfo(arguments);
        var command = string.Join(' ', start.ArgumentList.Prepend(start.FileName).Select(Quote));
        var shell = new ProcessStartInfo("bash") { WorkingDirectory = Directory };
        shell.ArgumentList.Add("-c");
        shell.ArgumentList.Add($"printf '%s\\n' {Quote(input)} | {command}");
        foreach (var (key, value) in start.Environment)
        {
            shell.Environment[key] = value;
        }

        return ChildProcess.RunAsync(shell, RunTimeout);
    }

    /// <summary>Runs the tool, expects exit code 0 and parses its standard output as JSON.</summary>
    public async Task<JsonElement> JsonAsync(params string[] arguments)
    {
        var result = await RunAsync([.. arguments, "--json"]);
        result.EnsureSuccess();
        try
        {
            return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{result.Command} did not write JSON: {ex.Message}{System.Environment.NewLine}{result.Output}", ex);
        }
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
