namespace TaskFlow.Core;

/// <summary>What happened when the executor took one message.</summary>
internal enum TaskOutcomeKind
{
    /// <summary>The task ran and returned.</summary>
    Succeeded,

    /// <summary>The task ran and threw (or passed its hard time limit).</summary>
    Failed,

    /// <summary>Not run: the message cannot be run (unknown task, invalid arguments, ETA beyond the transport's reach).</summary>
    Rejected,

    /// <summary>Not run: it arrived after its <c>expires</c> instant.</summary>
    Expired,

    /// <summary>Not run: it arrived before its ETA and goes round again.</summary>
    Deferred,

    /// <summary>Not run: the state store says the task is already final (succeeded, failed, revoked...).</summary>
    Skipped,

    /// <summary>Revoked while it ran: its token was cancelled. The store already says revoked.</summary>
    Revoked,

    /// <summary>Not run: the worker stopped taking work while the message waited for a task slot.</summary>
    NotStarted,
}
