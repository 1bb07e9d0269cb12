namespace TaskFlow.TestSupport;

/// <summary>The signal <see cref="ChildProcess.StopAsync"/> sends (the values are the POSIX signal numbers).</summary>
public enum StopSignal
{
    /// <summary>SIGINT, what Ctrl+C sends.</summary>
    Interrupt = 2,

    /// <summary>SIGTERM, what <c>kill</c> and service managers send.</summary>
    Terminate = 15,
}
