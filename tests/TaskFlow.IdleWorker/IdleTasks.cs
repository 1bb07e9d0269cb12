namespace TaskFlow.IdleWorker;

/// <summary>The one task the idle worker registers (it never receives one while it is measured).</summary>
public static partial class IdleTasks
{
    /// <summary>Does nothing.</summary>
    [Task(Name = "idle.noop")]
    public static void Noop(int n)
    {
        _ = n;
    }
}
