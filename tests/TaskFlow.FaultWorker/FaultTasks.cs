using System;
using System.Threading.Tasks;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace TaskFlow.FaultWorker;

/// <summary>The tasks of the fault tests. Each writes what it did to the out file before it returns, so a line
/// in the file is a task the worker finished (the ack comes after; a kill in between duplicates the line).</summary>
public static partial class FaultTasks
{
    /// <summary>Appends <c>n</c>, after the worker's pace (<c>--work-ms</c>; none by default), synchronously.</summary>
    [Task(Name = "fault.work")]
    public static void Work(int n, [FromServices] OutFile output, [FromServices] WorkPace pace)
    {
        if (pace.Milliseconds > 0)
        {
            Thread.Sleep(pace.Milliseconds);
        }

        output.Append(n.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Appends <c>n dueMs actualMs</c>: when the task was due and when it ran (Unix milliseconds).</summary>
    [Task(Name = "fault.stamp")]
    public static void Stamp(int n, long dueUnixMs, [FromServices] OutFile output)
    {
        var actual = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        output.Append(string.Create(CultureInfo.InvariantCulture, $"{n} {dueUnixMs} {actual}"));
    }

    /// <summary>
    /// Longer than the broker's consumer_timeout on its first delivery only (a marker file next to the out file
    /// remembers it), then quick: models a task that outlived the ack timeout and is redelivered.
    /// </summary>
    [Task(Name = "fault.long")]
    public static async Task Lengthy(int n, int firstRunMilliseconds, [FromServices] OutFile output)
    {
        var marker = output.Path + ".long-" + n.ToString(CultureInfo.InvariantCulture);
        if (!File.Exists(marker))
        {
            await File.WriteAllTextAsync(marker, "first run");
            output.Append(string.Create(CultureInfo.InvariantCulture, $"long {n} first-run-start"));
            await Task.Delay(firstRunMilliseconds); // ignores cancellation: the broker, not the worker, ends this one
            output.Append(string.Create(CultureInfo.InvariantCulture, $"long {n} first-run-end"));
            return;
        }

        output.Append(n.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A long-running task (lease mode; needs the state store): <paramref name="steps"/> steps of <paramref name="stepMs"/> ms,
    /// progress and a checkpoint after each, resuming from the checkpoint. Its effect, one row in <c>effects</c>, is written
    /// in the task's transaction and commits with its completion record, or not at all. Lines: <c>lstart n attempt A from F pid P</c>,
    /// <c>lend n attempt A pid P</c>, <c>lcancel n unixms</c> when its token is cancelled.
    /// </summary>
    [Task(Name = "fault.long_steps", LongRunning = true)]
    public static async Task<int> LongSteps(int n, int steps, int stepMs, TaskContext context, [FromServices] OutFile output, CancellationToken cancellationToken)
    {
        var from = await context.Checkpoints.LoadAsync<int>(cancellationToken);
        var start = string.Create(CultureInfo.InvariantCulture, $"lstart {n} attempt {context.Attempt} from {from} pid {Environment.ProcessId}");
        output.Append(start);
        Console.WriteLine(start); // also on stdout: the out file is shared by concurrent worker processes

        try
        {
            for (var step = from; step < steps; step++)
            {
                await Task.Delay(stepMs, cancellationToken);
                await context.ReportProgressAsync(step + 1, steps, null, cancellationToken);
                await context.Checkpoints.SaveAsync(step + 1, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var cancelled = string.Create(CultureInfo.InvariantCulture, $"lcancel {n} {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
            output.Append(cancelled);
            Console.WriteLine(cancelled);
            throw;
        }

        var transaction = await context.GetTransactionAsync(cancellationToken);
        await using (var command = transaction.Connection!.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = $"INSERT INTO {Environment.GetEnvironmentVariable("TASKFLOW_FAULT_SCHEMA")}.effects (n, task_id, pid) VALUES ({n}, '{context.TaskId}', {Environment.ProcessId})";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        output.Append(string.Create(CultureInfo.InvariantCulture, $"lend {n} attempt {context.Attempt} pid {Environment.ProcessId}"));
        return from;
    }

    /// <summary>Appends <c>n</c> and the payload's length: a large message, for the memory alarm's scenario.</summary>
    [Task(Name = "fault.payload")]
    public static void Payload(int n, string payload, [FromServices] OutFile output) =>
        output.Append(string.Create(CultureInfo.InvariantCulture, $"{n} {payload.Length}"));

    /// <summary>Kills its own process (SIGKILL), every time it is delivered: a crash-looping message.</summary>
    [Task(Name = "fault.crash")]
    public static void Crash(int n, [FromServices] OutFile output)
    {
        output.Append(string.Create(CultureInfo.InvariantCulture, $"crash {n} pid {Environment.ProcessId}"));
        Process.GetCurrentProcess().Kill();
    }
}

/// <summary>The out file: one line per completed task, appended and flushed to the OS before the task returns
/// (SIGKILL does not lose what the OS has; a power cut could, which these tests do not model).</summary>
/// <summary>How long each <c>fault.work</c> takes (<c>--work-ms</c>): a scenario that acts at counts of completions
/// needs the worker slower than its poll of the out file.</summary>
public sealed record WorkPace(int Milliseconds);

public sealed class OutFile : IDisposable
{
    private readonly object _sync = new();
    private readonly FileStream _stream;

    public OutFile(string path)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    public string Path { get; }

    public void Append(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        lock (_sync)
        {
            // One write call per line, flushed at once: a killed process leaves whole lines behind.
            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    public void Dispose() => _stream.Dispose();
}
