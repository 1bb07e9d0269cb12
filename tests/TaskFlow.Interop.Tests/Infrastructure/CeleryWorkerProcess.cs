using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Xunit.Abstractions;

namespace TaskFlow.Interop.Tests.Infrastructure;

/// <summary>
/// A real Celery 5.2 worker (<c>/usr/bin/python3 -m celery -A taskflow_interop worker -P solo ...</c>) consuming
/// one TaskFlow queue. Its <c>interop.record</c> task appends one JSON line per run to <see cref="RecordFile"/>.
/// Disposing kills the process (and its children) and writes its log to the test output.
/// </summary>
internal sealed class CeleryWorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ITestOutputHelper _output;
    private readonly List<string> _log = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _directory;
    private bool _disposed;

    private CeleryWorkerProcess(Process process, string directory, ITestOutputHelper output)
    {
        _process = process;
        _directory = directory;
        _output = output;
        RecordFile = Path.Combine(directory, "records.jsonl");
    }

    public string RecordFile { get; }

    /// <summary>Every line the worker logged so far.</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToList();
            }
        }
    }

    /// <summary>Starts the worker and waits until it logs "ready" (it has declared and consumes the queue).</summary>
    public static async Task<CeleryWorkerProcess> StartAsync(InteropTopology topology, ITestOutputHelper output)
    {
        var directory = Path.Combine(Path.GetTempPath(), "taskflow-interop-" + topology.Suffix);
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo(InteropEnvironment.Python)
        {
            WorkingDirectory = InteropEnvironment.PythonDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-m", "celery", "-A", "taskflow_interop", "worker",
            "-P", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-l", "INFO", "-Q", topology.Queue, "-n", $"interop-{topology.Suffix}@%h",
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in topology.PythonEnvironment())
        {
            start.Environment[key] = value;
        }

        start.Environment["INTEROP_RECORD_FILE"] = Path.Combine(directory, "records.jsonl");
        start.Environment["INTEROP_PARENT_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        start.Environment["PYTHONPATH"] = InteropEnvironment.PythonDirectory;
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        start.Environment["PYTHONUNBUFFERED"] = "1";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new CeleryWorkerProcess(process, directory, output);
        process.OutputDataReceived += (_, e) => worker.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => worker.OnLine(e.Data);
        process.Exited += (_, _) => worker._ready.TrySetException(new InvalidOperationException(
            $"The Celery worker exited with code {SafeExitCode(process)} before it was ready:\n{string.Join('\n', worker.Log)}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output.WriteLine($"[celery] started pid {process.Id}: {start.FileName} {string.Join(' ', start.ArgumentList)} ({topology})");

        try
        {
            await worker._ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            await worker.DisposeAsync();
            throw new TimeoutException("The Celery worker did not log 'ready.' within 60 s:\n" + string.Join('\n', worker.Log));
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }

        return worker;
    }

    /// <summary>Waits until the worker has recorded the run of task <paramref name="taskId"/> and returns that record.</summary>
    public async Task<JsonElement> WaitForRecordAsync(string taskId, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (TryReadRecord(taskId) is { } record)
            {
                return record;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"The Celery worker exited with code {SafeExitCode(_process)} before running task {taskId}:\n{string.Join('\n', Log)}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"The Celery worker did not run interop.record with task id {taskId} within {timeout.TotalSeconds:0} s. Worker log:\n{string.Join('\n', Log)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The record of task <paramref name="taskId"/>, if the worker ran it.</summary>
    public JsonElement? TryReadRecord(string taskId)
    {
        if (!File.Exists(RecordFile))
        {
            return null;
        }

        foreach (var line in File.ReadAllLines(RecordFile))
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            if (document.RootElement.GetProperty("id").GetString() == taskId)
            {
                return document.RootElement.Clone();
            }
        }

        return null;
    }

    /// <summary>Waits until a worker log line contains <paramref name="text"/>.</summary>
    public async Task<string> WaitForLogAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var line = Log.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The Celery worker did not log '{text}' within {timeout.TotalSeconds:0} s. Worker log:\n{string.Join('\n', Log)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Kills the worker, even when the test failed, and removes its record directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            _output.WriteLine($"[celery] could not kill pid {SafeId(_process)}: {ex.Message}");
        }

        _output.WriteLine($"[celery] pid {SafeId(_process)} stopped; worker log:");
        foreach (var line in Log)
        {
            _output.WriteLine("[celery] " + line);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is under the temp directory.
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Add(line);
        }

        // "celery@host ready." once the consumer is started.
        if (line.Contains(" ready.", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private static string SafeId(Process process)
    {
        try
        {
            return process.Id.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }
}
