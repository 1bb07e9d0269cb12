namespace TaskFlow.TestSupport;

/// <summary>One line a child process wrote, to its standard output or (<see cref="IsError"/>) to its standard error.</summary>
public readonly record struct OutputLine(bool IsError, string Text)
{
    /// <summary>The text, marked <c>stderr: </c> when it came from the standard error.</summary>
    public override string ToString() => IsError ? "stderr: " + Text : Text;
}
