using System;

namespace TaskFlow.Cli;

/// <summary>An error the user can fix (usage, configuration): printed without a stack trace, exit code 2.</summary>
internal sealed class CliException : Exception
{
    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CliException()
    {
    }
}
