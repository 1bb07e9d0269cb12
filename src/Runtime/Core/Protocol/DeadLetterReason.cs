namespace TaskFlow.Protocol;

/// <summary>Values of the <c>x-taskflow-reason</c> header on dead-lettered messages.</summary>
public static class DeadLetterReason
{
    /// <summary>The task threw and has no retries left.</summary>
    public const string TaskFailed = "task-failed";

    /// <summary>The body is not valid JSON or not Celery's <c>[args, kwargs, embed]</c> shape.</summary>
    public const string MalformedBody = "malformed-body";

    /// <summary>The <c>task</c> header names no task this worker knows.</summary>
    public const string UnknownTask = "unknown-task";

    /// <summary>The arguments do not fit the task's parameters (count, names, types, nulls).</summary>
    public const string InvalidArguments = "invalid-arguments";

    /// <summary>Required headers are missing or the message is not protocol version 2 (e.g. Celery protocol 1).</summary>
    public const string UnsupportedEnvelope = "unsupported-envelope";

    /// <summary>The task asked to be retried (or failed with a retryable error) more often than its policy allows.</summary>
    public const string MaxRetriesExceeded = "max-retries-exceeded";

    /// <summary>The task ran past its hard time limit on its last allowed attempt.</summary>
    public const string TimeLimitExceeded = "time-limit-exceeded";

    /// <summary>The content type or encoding is not JSON in UTF-8.</summary>
    public const string UnsupportedContentType = "unsupported-content-type";
}
