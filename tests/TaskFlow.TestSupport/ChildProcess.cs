using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.TestSupport;

/// <summary>
/// A child process of a test, its standard output and error read line by line as they come (<see cref="Lines"/>,
/// <see cref="Output"/>). Disposing kills it with its process tree if it still runs.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="WaitForLineAsync(string, TimeSpan, CancellationToken)"/> sees the lines printed before the wait too, and
/// fails at once, with the output, when the process exits without printing the line.</item>
/// <item><see cref="StopAsync"/> sends SIGINT or SIGTERM and waits a bound; a process still running then is killed with its
/// tree, and the stop fails.</item>
/// <item><see cref="RunAsync"/> runs a short-lived process to its end; one that overruns is killed with its tree.</item>
/// <item>On Linux the process starts with SIGINT at its default action (through <c>env --default-signal=INT</c>, which
/// keeps the process id): a process started in the background by a non-interactive shell inherits SIGINT ignored, so would
/// the test host and its children, and the runtime keeps an inherited SIG_IGN.</item>
/// </list>
/// </remarks>
public sealed class ChildProcess : IAsyncDisposable
{
    /// <summary>How long a killed process is waited for.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(15);

    /// <summary>How long the output is read after the exit: a descendant that inherited it may keep it open.</summary>
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(5);

    private static readonly Lazy<bool> s_canResetInterrupt = new(CanResetInterrupt);

    private readonly Process _process;
    private readonly Action<OutputLine>? _onLine;
    private readonly Lock _sync = new();
    private readonly List<OutputLine> _lines = [];
    private readonly List<Waiter> _waiters = [];
    private readonly TaskCompletionSource _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _exited = Task.CompletedTask; // the exit, then the end of the output (a bounded wait)
    private bool _exitSeen;
    private bool _disposed;

    private ChildProcess(Process process, string command, string name, Action<OutputLine>? onLine)
    {
        _process = process;
        Command = command;
        Name = name;
        _onLine = onLine;
    }

    /// <summary>The command line, as given (without the <c>env</c> that resets SIGINT).</summary>
    public string Command { get; }

    /// <summary>What messages call the process.</summary>
    public string Name { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code (the process must have exited).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Every line printed so far, standard output and error as they came.</summary>
    public IReadOnlyList<string> Lines => Snapshot().Select(line => line.Text).ToList();

    /// <summary>Every line printed so far, with the stream it came from.</summary>
    public IReadOnlyList<OutputLine> OutputLines => Snapshot();

    /// <summary>Every line printed so far, one per line; those of the standard error marked <c>stderr: </c>.</summary>
    public string Output => string.Join(Environment.NewLine, Snapshot());

    /// <summary>
    /// Starts <paramref name="start"/> with its output redirected and read line by line. The start info is changed: output
    /// redirected, no shell and, on Linux, run through <c>env --default-signal=INT</c>; arguments go in its ArgumentList.
    /// </summary>
    /// <param name="start">What to run.</param>
    /// <param name="name">What messages call it; by default its command line.</param>
    /// <param name="onLine">Called with each line, on a thread of the output readers, after the line is in <see cref="Lines"/>.</param>
    public static ChildProcess Start(ProcessStartInfo start, string? name = null, Action<OutputLine>? onLine = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (!string.IsNullOrEmpty(start.Arguments))
        {
            throw new ArgumentException("Pass the arguments in ArgumentList.", nameof(start));
        }

        var command = string.Join(' ', start.ArgumentList.Prepend(start.FileName));
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        if (s_canResetInterrupt.Value)
        {
            var file = Resolve(start.FileName)
                ?? throw new InvalidOperationException($"Could not start {command}: {start.FileName} was not found.");
            start.ArgumentList.Insert(0, file);
            start.ArgumentList.Insert(0, "--default-signal=INT");
            start.FileName = "/usr/bin/env";
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(process, command, name ?? command, onLine);
        process.OutputDataReceived += (_, e) => child.OnData(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => child.OnData(e.Data, isError: true);
        process.Exited += (_, _) => child._exit.TrySetResult();
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {command}: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        child._exited = child.WatchExitAsync();
        return child;
    }

    /// <summary>
    /// Runs <paramref name="start"/> to its end and returns its exit code and output. A process still running after
    /// <paramref name="timeout"/>, or when <paramref name="cancellationToken"/> is cancelled, is killed with its process tree,
    /// and a <see cref="TimeoutException"/> with what it printed is thrown.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(ProcessStartInfo start, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var child = Start(start);
        await using (child.ConfigureAwait(false))
        {
            try
            {
                await child._exit.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                await child._exited.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                await child.KillAsync().ConfigureAwait(false);
                var why = ex is TimeoutException ? "did not finish within " + Seconds(timeout) : "was cancelled (the test's time was up)";
                var partial = child.Result();
                throw new TimeoutException(
                    $"{child.Command} {why} and was killed with its process tree.{Environment.NewLine}stdout:{Environment.NewLine}{partial.StandardOutput}{Environment.NewLine}stderr:{Environment.NewLine}{partial.StandardError}",
                    ex);
            }

            return child.Result();
        }
    }

    /// <summary>Waits for a line that contains <paramref name="text"/> (ordinal) and returns it; a line printed before counts.</summary>
    /// <exception cref="TimeoutException">No such line within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The process exited without printing it.</exception>
    public Task<string> WaitForLineAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), "'" + text + "'", timeout, cancellationToken);

    /// <summary>Waits for a line that <paramref name="match"/> accepts and returns it; a line printed before counts.</summary>
    /// <param name="match">The test of a line.</param>
    /// <param name="description">What the line is, for messages.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <exception cref="TimeoutException">No such line within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The process exited without printing it.</exception>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string description, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        var waiter = new Waiter(match, description);
        if (FindOrAdd(waiter, out var exited) is { } seen)
        {
            return seen;
        }

        if (exited)
        {
            throw ExitedWithout(description);
        }

        try
        {
            return await waiter.Found.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Remove(waiter);
            throw new TimeoutException($"{this} did not print {description} within {Seconds(timeout)}; its output:{Environment.NewLine}{Output}");
        }
        catch (OperationCanceledException)
        {
            Remove(waiter);
            throw;
        }
    }

    /// <summary>Waits for the exit (and the output's end) and returns the exit code.</summary>
    /// <exception cref="TimeoutException">The process still runs after <paramref name="timeout"/> (it is not killed here).</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            await _exit.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{this} did not exit within {Seconds(timeout)}; its output:{Environment.NewLine}{Output}");
        }

        await _exited.ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>
    /// Sends <paramref name="signal"/> and waits for the exit; returns the exit code (at once if the process has exited).
    /// On Linux, a process that ignores the signal is refused rather than waited for.
    /// </summary>
    /// <exception cref="TimeoutException">The process did not stop within <paramref name="timeout"/>: it was killed with its process tree.</exception>
    public async Task<int> StopAsync(StopSignal signal, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!_process.HasExited)
        {
            await SignalAsync(signal, cancellationToken).ConfigureAwait(false);
            try
            {
                await _exit.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await KillAsync().ConfigureAwait(false);
                throw new TimeoutException(
                    $"{this} did not stop within {Seconds(timeout)} of SIG{SignalName(signal)} and was killed with its process tree; its output:{Environment.NewLine}{Output}");
            }
        }

        await _exited.ConfigureAwait(false); // the end of its output, a few seconds at most
        return _process.ExitCode;
    }

    /// <summary>SIGKILL (what <c>kill -9</c> sends) to the process, or to its whole tree; waits a bound for the exit.</summary>
    public void Kill(bool entireProcessTree = true)
    {
        SendKill(entireProcessTree);
        _process.WaitForExit(KillWait);
    }

    /// <summary>Kills the process tree if it still runs, waits a bound for it, and releases the process.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    /// <summary>The name, the process id and the exit code once it has exited.</summary>
    public override string ToString()
    {
        string state;
        try
        {
            state = _process.HasExited ? "exit code " + _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "running";
        }
        catch (InvalidOperationException)
        {
            state = "not started";
        }

        return $"{Name} (pid {SafeId()}, {state})";
    }

    private async Task KillAsync()
    {
        if (_exited.IsCompleted)
        {
            return;
        }

        SendKill(entireProcessTree: true);
        try
        {
            await _exit.Task.WaitAsync(KillWait).ConfigureAwait(false);
            await _exited.ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Left behind: the message of the caller says what it was.
        }
    }

    private void SendKill(bool entireProcessTree)
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited in the meantime.
        }
        catch (Win32Exception)
        {
            // As above (the process was reaped between the check and the kill).
        }
    }

    private async Task SignalAsync(StopSignal signal, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Stopping a process with a POSIX signal needs Linux or macOS.");
        }

        var name = SignalName(signal);
        if (OperatingSystem.IsLinux() && IgnoredSignals() is { } ignored && (ignored & (1UL << ((int)signal - 1))) != 0)
        {
            throw new InvalidOperationException(
                $"{this} ignores SIG{name} (SigIgn {ignored.ToString("x16", CultureInfo.InvariantCulture)}): the signal would do nothing. Its output:{Environment.NewLine}{Output}");
        }

        var kill = new ProcessStartInfo("kill") { ArgumentList = { "-" + name, _process.Id.ToString(CultureInfo.InvariantCulture) } };
        var result = await RunAsync(kill, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0 && !_process.HasExited)
        {
            result.EnsureSuccess();
        }
    }

    /// <summary>The SigIgn mask of /proc/PID/status, or null when the process is gone.</summary>
    private ulong? IgnoredSignals()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status")
                .FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            return line is null ? null : ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task WatchExitAsync()
    {
        await _exit.Task.ConfigureAwait(false);
        try
        {
            // Process.Exited may come before the last lines: read to the end of both streams, unless a descendant keeps them open.
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(DrainWait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // What the process itself printed has arrived: its pipes stay open only in a descendant.
        }

        List<Waiter> pending;
        lock (_sync)
        {
            _exitSeen = true;
            pending = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var waiter in pending)
        {
            waiter.Found.TrySetException(ExitedWithout(waiter.Description));
        }
    }

    private void OnData(string? text, bool isError)
    {
        if (text is null)
        {
            (isError ? _stderrClosed : _stdoutClosed).TrySetResult();
            return;
        }

        var line = new OutputLine(isError, text);
        List<Waiter>? found = null;
        lock (_sync)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(text))
                {
                    (found ??= []).Add(_waiters[i]);
                    _waiters.RemoveAt(i);
                }
            }
        }

        _onLine?.Invoke(line);
        foreach (var waiter in found ?? [])
        {
            waiter.Found.TrySetResult(text);
        }
    }

    private string? FindOrAdd(Waiter waiter, out bool exited)
    {
        lock (_sync)
        {
            foreach (var line in _lines)
            {
                if (waiter.Match(line.Text))
                {
                    exited = _exitSeen;
                    return line.Text;
                }
            }

            exited = _exitSeen;
            if (!exited)
            {
                _waiters.Add(waiter);
            }

            return null;
        }
    }

    private void Remove(Waiter waiter)
    {
        lock (_sync)
        {
            _waiters.Remove(waiter);
        }
    }

    private List<OutputLine> Snapshot()
    {
        lock (_sync)
        {
            return [.. _lines];
        }
    }

    private ProcessResult Result()
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        foreach (var line in Snapshot())
        {
            (line.IsError ? stderr : stdout).AppendLine(line.Text);
        }

        int exitCode;
        try
        {
            exitCode = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            exitCode = -1; // still running: left behind after a kill that did not take
        }

        return new ProcessResult(Command, exitCode, stdout.ToString(), stderr.ToString());
    }

    private InvalidOperationException ExitedWithout(string description) =>
        new($"{this} exited without printing {description}; its output:{Environment.NewLine}{Output}");

    private string SafeId()
    {
        try
        {
            return _process.Id.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private static string SignalName(StopSignal signal) => signal switch
    {
        StopSignal.Interrupt => "INT",
        StopSignal.Terminate => "TERM",
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "SIGINT or SIGTERM"),
    };

    private static string Seconds(TimeSpan timeout) => timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";

    /// <summary>The full path of an executable as the process would find it, or null.</summary>
    private static string? Resolve(string file)
    {
        if (file.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(file);
            return File.Exists(full) ? full : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, file))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Whether env(1) here has --default-signal (coreutils 8.31 and later).</summary>
    private static bool CanResetInterrupt()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/env") || Resolve("true") is not { } truePath)
        {
            return false;
        }

        var check = new ProcessStartInfo("/usr/bin/env") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        check.ArgumentList.Add("--default-signal=INT");
        check.ArgumentList.Add(truePath);
        using var process = Process.Start(check);
        if (process is null)
        {
            return false;
        }

        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        return process.WaitForExit(10_000) && process.ExitCode == 0;
    }

    private sealed class Waiter(Func<string, bool> match, string description)
    {
        public Func<string, bool> Match { get; } = match;

        public string Description { get; } = description;

        public TaskCompletionSource<string> Found { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
