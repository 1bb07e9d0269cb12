using System;
using System.Globalization;

namespace TaskFlow.TestSupport;

/// <summary>The outcome of a process that ran to its end (<see cref="ChildProcess.RunAsync"/>).</summary>
/// <param name="Command">The command line, for messages.</param>
/// <param name="ExitCode">The exit code.</param>
/// <param name="StandardOutput">Its standard output, one line per line.</param>
/// <param name="StandardError">Its standard error, one line per line.</param>
public sealed record ProcessResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Standard output, then standard error.</summary>
    public string Output => StandardOutput + StandardError;

    /// <summary>Throws unless the exit code is 0; the message has the command and its output.</summary>
    public ProcessResult EnsureSuccess() => ExitCode == 0
        ? this
        : throw new InvalidOperationException(
            $"{Command} exited with code {ExitCode.ToString(CultureInfo.InvariantCulture)}:{Environment.NewLine}{Output}");
}
