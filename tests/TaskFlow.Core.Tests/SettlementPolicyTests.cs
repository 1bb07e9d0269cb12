using System;
using System.Collections.Generic;
using Shouldly;
using TaskFlow.Infrastructure;
using TaskFlow.Protocol;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>Every outcome kind -> the settlement and the state to record, without a broker.</summary>
public sealed class SettlementPolicyTests
{
    private static readonly TaskDescriptor Task = new("core.t", "q", "T()", [], _ => new System.Threading.Tasks.ValueTask<object?>((object?)null));
    private static readonly Random Seeded = new(7);

    private static TaskHeaders Headers(int retries = 0, DateTimeOffset? eta = null) =>
        new("id-1", "core.t", retries, null, null, eta, null, null, null, null, false, new Dictionary<string, object?>());

    private static Settlement Decide(TaskOutcome outcome, int retries = 0, RetryPolicy? policy = null, bool stopping = false, DateTimeOffset? eta = null, int? attempt = null) =>
        SettlementPolicy.Decide(outcome, Headers(retries, eta), attempt ?? retries + 1, policy ?? RetryPolicy.None, stopping, Seeded);

    [Fact]
    public void Success_is_acked_after_a_durable_succeeded_record()
    {
        var s = Decide(new TaskOutcome(TaskOutcomeKind.Succeeded, Task, Result: 3));
        s.Kind.ShouldBe(SettlementKind.Ack);
        s.Record.ShouldBe(new StateRecord(TaskState.Succeeded, null, Durable: true));
    }

    [Fact]
    public void Success_already_committed_with_the_tasks_own_work_records_nothing_more()
    {
        var s = Decide(new TaskOutcome(TaskOutcomeKind.Succeeded, Task, Recorded: true));
        s.Kind.ShouldBe(SettlementKind.Ack);
        s.Record.ShouldBeNull();
    }

    [Fact]
    public void Expired_is_acked_and_recorded_expired_without_waiting_for_the_commit()
    {
        var s = Decide(new TaskOutcome(TaskOutcomeKind.Expired, Task, Detail: "expired at x"));
        s.Kind.ShouldBe(SettlementKind.Ack);
        s.Record.ShouldBe(new StateRecord(TaskState.Expired, "expired at x", Durable: false));
    }

    [Theory]
    [InlineData(nameof(TaskOutcomeKind.Skipped))]
    [InlineData(nameof(TaskOutcomeKind.Revoked))]
    public void Skipped_and_revoked_are_acked_and_record_nothing(string kind)
    {
        var s = Decide(new TaskOutcome(Enum.Parse<TaskOutcomeKind>(kind), Task, Detail: "succeeded"));
        s.Kind.ShouldBe(SettlementKind.Ack);
        s.Record.ShouldBeNull();
    }

    [Fact]
    public void Not_started_is_handed_back_not_counted_as_a_failure()
    {
        var s = Decide(new TaskOutcome(TaskOutcomeKind.NotStarted, Task));
        s.Kind.ShouldBe(SettlementKind.HandBack);
        s.Record.ShouldBeNull();
    }

    [Fact]
    public void Deferred_goes_round_again_until_its_eta()
    {
        var eta = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var s = Decide(new TaskOutcome(TaskOutcomeKind.Deferred, Task), eta: eta);
        s.Kind.ShouldBe(SettlementKind.DeferUntil);
        s.Until.ShouldBe(eta);
        s.Record.ShouldBeNull();
    }

    [Fact]
    public void Rejected_is_dead_lettered_with_its_reason_and_recorded_dead_lettered()
    {
        var s = Decide(TaskOutcome.Reject(DeadLetterReason.UnknownTask, "no task named 'x'"), retries: 2);
        s.Kind.ShouldBe(SettlementKind.DeadLetter);
        s.Reason.ShouldBe(DeadLetterReason.UnknownTask);
        s.Detail.ShouldBe("no task named 'x'");
        s.Retries.ShouldBe(3, "attempts made: retries + 1");
        s.Record.ShouldBe(new StateRecord(TaskState.DeadLettered, "unknown-task: no task named 'x'", Durable: false));
    }

    [Fact]
    public void A_failure_without_a_policy_is_dead_lettered_at_once_and_recorded_failed_durably()
    {
        var boom = new InvalidOperationException("boom");
        var s = Decide(new TaskOutcome(TaskOutcomeKind.Failed, Task, Exception: boom));
        s.Kind.ShouldBe(SettlementKind.DeadLetter);
        s.Reason.ShouldBe(DeadLetterReason.TaskFailed);
        s.Exception.ShouldBeSameAs(boom);
        s.Detail.ShouldBeNull("the exception's headers are written, not a detail");
        s.Record.ShouldBe(new StateRecord(TaskState.Failed, "task-failed: System.InvalidOperationException: boom", Durable: true, Stack: boom.ToString()), "the stack goes with the record: the store keeps it with the attempt");
    }

    [Fact]
    public void A_failure_the_policy_allows_is_retried_after_its_backoff_with_retries_plus_one()
    {
        var policy = new RetryPolicy { MaxRetries = 3, Backoff = RetryBackoff.Exponential, Delay = TimeSpan.FromSeconds(2), Jitter = false };
        var slow = new TimeoutException("slow");
        var s = Decide(new TaskOutcome(TaskOutcomeKind.Failed, Task, Exception: slow), retries: 1, policy: policy);
        s.Kind.ShouldBe(SettlementKind.RetryAfter);
        s.Retries.ShouldBe(2);
        s.Delay.ShouldBe(TimeSpan.FromSeconds(4), "second retry: 2 s x 2");
        s.Record.ShouldBe(new StateRecord(TaskState.Retrying, "System.TimeoutException: slow", Durable: false, Stack: slow.ToString()));
    }

    [Fact]
    public void Past_the_last_retry_it_is_dead_lettered_as_max_retries_exceeded()
    {
        var policy = new RetryPolicy { MaxRetries = 2, Jitter = false };
        var s = Decide(new TaskOutcome(TaskOutcomeKind.Failed, Task, Exception: new TimeoutException("slow")), retries: 2, policy: policy);
        s.Kind.ShouldBe(SettlementKind.DeadLetter);
        s.Reason.ShouldBe(DeadLetterReason.MaxRetriesExceeded);
        s.Record!.Value.State.ShouldBe(TaskState.Failed);
    }

    [Fact]
    public void An_explicit_retry_request_uses_its_countdown_and_celerys_default_of_three_without_a_policy()
    {
        var request = new TaskRetryException("core.t", TimeSpan.FromSeconds(30), new TimeoutException("later"));
        var first = Decide(new TaskOutcome(TaskOutcomeKind.Failed, Task, Exception: request), retries: 0);
        first.Kind.ShouldBe(SettlementKind.RetryAfter);
        first.Delay.ShouldBe(TimeSpan.FromSeconds(30));

        var last = Decide(new TaskOutcome(TaskOutcomeKind.Failed, Task, Exception: request), retries: SettlementPolicy.DefaultExplicitRetries);
        last.Kind.ShouldBe(SettlementKind.DeadLetter);
        last.Reason.ShouldBe(DeadLetterReason.MaxRetriesExceeded);
        last.Exception.ShouldBeOfType<TimeoutException>("the cause is dead-lettered, not the retry request");
    }

    [Fact]
    public void A_hard_time_limit_on_the_last_attempt_is_dead_lettered_as_time_limit_exceeded()
    {
        var s = Decide(new TaskOutcome(TaskOutcomeKind.Failed, Task, Exception: new TaskTimeLimitExceededException("core.t", TimeSpan.FromSeconds(1))));
        s.Kind.ShouldBe(SettlementKind.DeadLetter);
        s.Reason.ShouldBe(DeadLetterReason.TimeLimitExceeded);
    }

    [Fact]
    public void A_task_cancelled_by_shutdown_is_handed_back_not_failed()
    {
        var s = Decide(new TaskOutcome(TaskOutcomeKind.Failed, Task, Exception: new OperationCanceledException()), stopping: true);
        s.Kind.ShouldBe(SettlementKind.HandBack);
        s.Record.ShouldBeNull();

        var notStopping = Decide(new TaskOutcome(TaskOutcomeKind.Failed, Task, Exception: new OperationCanceledException()), stopping: false);
        notStopping.Kind.ShouldBe(SettlementKind.DeadLetter, "a task that cancels itself outside shutdown failed");
    }

    [Fact]
    public void Argument_errors_are_never_retried_whatever_the_policy()
    {
        var policy = new RetryPolicy { MaxRetries = 5 };
        var s = Decide(new TaskOutcome(TaskOutcomeKind.Failed, Task, Exception: new TaskArgumentException("core.t", "bad")), policy: policy);
        s.Kind.ShouldBe(SettlementKind.DeadLetter);
    }

    [Fact]
    public void A_poison_message_is_dead_lettered_with_nothing_recorded()
    {
        var s = SettlementPolicy.Poison(DeadLetterReason.MalformedBody, "not JSON");
        s.Kind.ShouldBe(SettlementKind.DeadLetter);
        s.Reason.ShouldBe(DeadLetterReason.MalformedBody);
        s.Record.ShouldBeNull();
        s.Retries.ShouldBe(0);
    }
}
