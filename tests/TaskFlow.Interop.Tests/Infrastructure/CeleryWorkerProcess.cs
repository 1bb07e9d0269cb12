using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using TaskFlow.TestSupport;
using Xunit.Abstractions;

namespace TaskFlow.Interop.Tests.Infrastructure;

/// <summary>
/// A real Celery 5.2 worker (<c>/usr/bin/python3 -m celery -A taskflow_interop worker -P solo ...</c>) consuming
/// one TaskFlow queue. Its <c>interop.record</c> task appends one JSON line per run to <see cref="RecordFile"/>.
/// Disposing kills the process (and its children) and writes its log to the test output.
/// </summary>
internal sealed class CeleryWorkerProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly ITestOutputHelper _output;
    private readonly string _directory;
    private bool _disposed;

    private CeleryWorkerProcess(ChildProcess process, string directory, ITestOutputHelper output)
    {
        _process = process;
        _directory = directory;
        _output = output;
        RecordFile = Path.Combine(directory, "records.jsonl");
    }

    public string RecordFile { get; }

    /// <summary>Every line the worker logged so far.</summary>
    public IReadOnlyList<string> Log => _process.Lines;

    /// <summary>Starts the worker and waits until it logs "ready" (it has declared and consumes the queue).</summary>
    public static async Task<CeleryWorkerProcess> StartAsync(InteropTopology topology, ITestOutputHelper output)
    {
        var directory = Path.Combine(Path.GetTempPath(), "taskflow-interop-" + topology.Suffix);
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo(InteropEnvironment.Python)
        {
            WorkingDirectory = InteropEnvironment.PythonDirectory,
            RedirectStandardInput = true,
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

        var worker = new CeleryWorkerProcess(ChildProcess.Start(start, "the Celery worker"), directory, output);
        output.WriteLine($"[celery] started pid {worker._process.Id}: {worker._process.Command} ({topology})");
        try
        {
            // "celery@host ready." once the consumer is started; fails at once if the worker exits first.
            await worker._process.WaitForLineAsync(" ready.", TimeSpan.FromSeconds(60));
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
                    $"{_process} exited before running task {taskId}:\n{string.Join('\n', Log)}");
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

    /// <summary>Waits until a worker log line contains <paramref name="text"/>; fails at once if the worker exits first.</summary>
    public Task<string> WaitForLogAsync(string text, TimeSpan timeout) => _process.WaitForLineAsync(text, timeout);

    /// <summary>Kills the worker with its process tree, even when the test failed, and removes its record directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _process.DisposeAsync();
        _output.WriteLine($"[celery] {_process} stopped; worker log:");
        foreach (var line in Log)
        {
            _output.WriteLine("[celery] " + line);
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is under the temp directory.
        }
    }
}
