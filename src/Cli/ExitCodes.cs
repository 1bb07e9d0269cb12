namespace TaskFlow.Cli;

/// <summary>The tool's exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The operation failed (broker or database error, nothing found, not confirmed).</summary>
    public const int Failed = 1;

    /// <summary>Bad usage or configuration: the message says what to change.</summary>
    public const int Usage = 2;
}
