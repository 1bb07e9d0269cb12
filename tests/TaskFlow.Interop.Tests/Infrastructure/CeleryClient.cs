using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using TaskFlow.TestSupport;
using Xunit.Abstractions;

namespace TaskFlow.Interop.Tests.Infrastructure;

/// <summary>Options of one python/send_task.py run.</summary>
internal sealed record CelerySendOptions
{
    public double? Countdown { get; init; }

    public double? Expires { get; init; }

    public string? TaskId { get; init; }

    /// <summary>Celery's <c>time_limit</c> (hard), seconds.</summary>
    public double? TimeLimit { get; init; }

    /// <summary>Celery's <c>soft_time_limit</c>, seconds.</summary>
    public double? SoftTimeLimit { get; init; }

    /// <summary>Pass declare=[] to send_task: kombu declares nothing and the queue must exist.</summary>
    public bool NoDeclare { get; init; }
}

/// <summary>Sends tasks with Celery's own client, <c>app.send_task</c>, in a separate /usr/bin/python3 process.</summary>
internal sealed class CeleryClient
{
    private readonly InteropTopology _topology;
    private readonly ITestOutputHelper _output;

    public CeleryClient(InteropTopology topology, ITestOutputHelper output)
    {
        _topology = topology;
        _output = output;
    }

    /// <summary>Sends <paramref name="task"/> and returns the task id Celery generated (or was given).</summary>
    public async Task<string> SendTaskAsync(string task, object?[] args, object kwargs, CelerySendOptions? options = null)
    {
        var start = new ProcessStartInfo(InteropEnvironment.Python) { WorkingDirectory = InteropEnvironment.PythonDirectory };
        start.ArgumentList.Add(Path.Combine(InteropEnvironment.PythonDirectory, "send_task.py"));
        start.ArgumentList.Add(task);
        start.ArgumentList.Add(JsonSerializer.Serialize(args));
        start.ArgumentList.Add(JsonSerializer.Serialize(kwargs));
        if (options?.Countdown is { } countdown)
        {
            start.ArgumentList.Add("--countdown");
            start.ArgumentList.Add(countdown.ToString(CultureInfo.InvariantCulture));
        }

        if (options?.Expires is { } expires)
        {
            start.ArgumentList.Add("--expires");
            start.ArgumentList.Add(expires.ToString(CultureInfo.InvariantCulture));
        }

        if (options?.TimeLimit is { } timeLimit)
        {
            start.ArgumentList.Add("--time-limit");
            start.ArgumentList.Add(timeLimit.ToString(CultureInfo.InvariantCulture));
        }

        if (options?.SoftTimeLimit is { } softTimeLimit)
        {
            start.ArgumentList.Add("--soft-time-limit");
            start.ArgumentList.Add(softTimeLimit.ToString(CultureInfo.InvariantCulture));
        }

        if (options?.TaskId is { } taskId)
        {
            start.ArgumentList.Add("--task-id");
            start.ArgumentList.Add(taskId);
        }

        if (options?.NoDeclare == true)
        {
            start.ArgumentList.Add("--no-declare");
        }

        foreach (var (key, value) in _topology.PythonEnvironment())
        {
            start.Environment[key] = value;
        }

        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        start.Environment["PYTHONPATH"] = InteropEnvironment.PythonDirectory;
        var result = await ChildProcess.RunAsync(start, TimeSpan.FromSeconds(60));
        _output.WriteLine($"[send_task.py {task}] exit {result.ExitCode}: {result.StandardOutput.Trim()} {result.StandardError.Trim()}");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"Celery's send_task failed (exit code {result.ExitCode}) for {_topology}:\n{result.StandardError}\n{result.StandardOutput}");
        }

        using var document = JsonDocument.Parse(result.StandardOutput.Trim());
        return document.RootElement.GetProperty("id").GetString()
            ?? throw new InvalidOperationException("send_task.py printed no task id: " + result.StandardOutput);
    }
}
