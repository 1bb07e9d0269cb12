using System;
using TaskFlow.Protocol;

namespace TaskFlow.Core;

/// <summary>
/// Decides, once, what happens after the executor took a message: ack, hand back, retry after a backoff, defer to
/// its ETA or dead-letter, and which state to record first. Pure: no I/O, no clock; the transports (RabbitMQ's
/// consumer, eager mode) only execute the decision.
/// </summary>
internal static class SettlementPolicy
{
    /// <summary>Celery's default for a task that asks to be retried (<c>throw context.Retry()</c>) and has no policy.</summary>
    public const int DefaultExplicitRetries = 3;

    /// <summary>The decision for a message that could not be decoded (poison): dead-letter it, record nothing.</summary>
    public static Settlement Poison(string reason, string detail) =>
        Settlement.DeadLetter("(unknown)", null, reason, detail, exception: null, attempts: 0);

    /// <param name="outcome">What the executor did.</param>
    /// <param name="message">The decoded headers of the message.</param>
    /// <param name="attempt">The attempt number of the run (<see cref="IncomingTask.Attempt"/>): dead letters say how many times the task ran.</param>
    /// <param name="policy">The task's retry policy (<see cref="TaskFlowOptions.RetryPolicyOf"/>); ignored unless it failed.</param>
    /// <param name="stopping">The worker is past its shutdown grace period and cancelled the running tasks.</param>
    /// <param name="random">Jitter for the backoff.</param>
    public static Settlement Decide(in TaskOutcome outcome, TaskHeaders message, int attempt, RetryPolicy policy, bool stopping, Random random)
    {
        var name = message.TaskName;
        var id = message.Id;
        var attempts = Math.Max(attempt, message.Retries + 1);
        switch (outcome.Kind)
        {
            case TaskOutcomeKind.Succeeded:
                // Committed before the ack (group commit), so that a redelivery finds it.
                return Settlement.Ack(name, id, outcome.Recorded ? null : new StateRecord(TaskState.Succeeded, null, Durable: true));
            case TaskOutcomeKind.Expired:
                return Settlement.Ack(name, id, new StateRecord(TaskState.Expired, outcome.Detail, Durable: false));
            case TaskOutcomeKind.Skipped:
            case TaskOutcomeKind.Revoked:
                return Settlement.Ack(name, id);
            case TaskOutcomeKind.NotStarted:
                return Settlement.HandBack(name, id);
            case TaskOutcomeKind.Deferred:
                return new Settlement { Kind = SettlementKind.DeferUntil, TaskName = name, TaskId = id, Until = outcome.Until ?? message.Eta, RateSlot = outcome.RateSlot };
            case TaskOutcomeKind.Rejected:
                return Settlement.DeadLetter(
                    name, id, outcome.Reason!, outcome.Detail, outcome.Exception, attempts,
                    new StateRecord(TaskState.DeadLettered, outcome.Reason + ": " + outcome.Detail, Durable: false, outcome.Exception?.ToString()));
            case TaskOutcomeKind.Failed when stopping && outcome.Exception is OperationCanceledException:
                // Cancelled by shutdown past the grace period: not the task's fault, so it goes back untouched.
                return Settlement.HandBack(name, id);
            case TaskOutcomeKind.Failed:
                return Failure(outcome.Exception!, message, attempts, policy, random);
            default:
                throw new ArgumentOutOfRangeException(nameof(outcome), outcome.Kind, "unknown outcome");
        }
    }

    private static Settlement Failure(Exception exception, TaskHeaders message, int attempts, RetryPolicy policy, Random random)
    {
        var retries = message.Retries;
        TimeSpan? delay = null;
        var reason = DeadLetterReason.TaskFailed;
        if (exception is TaskRetryException request)
        {
            // An explicit retry request counts against the policy; without a policy, Celery's default of 3 applies.
            var max = policy.MaxRetries > 0 ? policy.MaxRetries : DefaultExplicitRetries;
            if (retries < max)
            {
                delay = request.Countdown ?? policy.DelayFor(retries + 1, random);
            }
            else
            {
                reason = DeadLetterReason.MaxRetriesExceeded;
            }
        }
        else if (policy.Allows(exception, retries))
        {
            delay = policy.DelayFor(retries + 1, random);
        }
        else if (exception is TaskTimeLimitExceededException)
        {
            reason = DeadLetterReason.TimeLimitExceeded;
        }
        else if (policy.MaxRetries > 0 && retries >= policy.MaxRetries)
        {
            reason = DeadLetterReason.MaxRetriesExceeded;
        }

        if (delay is { } wait)
        {
            return new Settlement
            {
                Kind = SettlementKind.RetryAfter,
                TaskName = message.TaskName,
                TaskId = message.Id,
                Delay = wait,
                Retries = retries + 1,
                Exception = exception,
                Record = new StateRecord(TaskState.Retrying, Summary(exception), Durable: false, exception.ToString()),
            };
        }

        var cause = exception is TaskRetryException { InnerException: { } inner } ? inner : exception;
        return Settlement.DeadLetter(
            message.TaskName, message.Id, reason, detail: null, cause, attempts,
            new StateRecord(TaskState.Failed, reason + ": " + Summary(cause), Durable: true, cause.ToString()));
    }

    /// <summary>An exception as one line: its type and message.</summary>
    public static string Summary(Exception exception) => exception.GetType().FullName + ": " + exception.Message;
}
