using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace TaskFlow.State.Tests;

/// <summary>A worker process (dotnet TaskFlow.State.Worker.dll) with its output captured line by line.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    public string Output => string.Join(Environment.NewLine, _lines);

    public bool HasExited => _process.HasExited;

    public static async Task<WorkerProcess> StartAsync(string schema, string queue, string mode)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TaskFlow.State.Worker.dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("TaskFlow.State.Worker.dll must be next to the test assembly (ProjectReference)", path);
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(path);
        start.Environment["TASKFLOW_STATE_PG"] = Databases.PostgresConnectionString;
        start.Environment["TASKFLOW_STATE_SCHEMA"] = schema;
        start.Environment["TASKFLOW_STATE_QUEUE"] = queue;
        start.Environment["TASKFLOW_STATE_MODE"] = mode;
        start.Environment["TASKFLOW_TEST_AMQP"] = StateHost.BrokerUri.ToString();
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the worker process");
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                worker._lines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                worker._lines.Enqueue("stderr: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await worker.WaitForLineAsync("WORKER-READY", TimeSpan.FromSeconds(60));
        return worker;
    }

    public async Task WaitForLineAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the worker did not print '{text}' within {timeout}; its output:{Environment.NewLine}{Output}");
            }

            if (_process.HasExited && !_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                await Task.Delay(200); // let the last lines arrive
                if (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    throw new InvalidOperationException($"the worker exited ({_process.ExitCode}) without printing '{text}'; its output:{Environment.NewLine}{Output}");
                }
            }

            await Task.Delay(50);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
