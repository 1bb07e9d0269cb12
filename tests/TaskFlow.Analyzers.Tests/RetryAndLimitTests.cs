using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TaskFlow.Analyzers.Tests;

/// <summary>TF1007 (risky retries), TF1010 (time limit without a token) and TF1011 (enqueue options that cannot be honored).</summary>
public sealed class RetryAndLimitTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using TaskFlow;

        """;

    [Fact]
    public async Task Retry_attributes_without_backoff_or_out_of_range_are_reported()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Usings + """
            public static partial class Sync
            {
                [Task, Retry(5, Backoff = RetryBackoff.Fixed)]
                public static void FixedPace() { }

                [Task, Retry(3, DelaySeconds = 0)]
                public static void Immediate() { }

                [Task, Retry(3, MaxDelaySeconds = 2_700_000)]
                public static void TooLongCap() { }

                [Task, Retry(3, ScheduleSeconds = new[] { 0.0, 0.0 })]
                public static void ZeroSchedule() { }

                [Task, Retry(3, ScheduleSeconds = new[] { 60.0, 3_000_000.0 })]
                public static void TooLongStep() { }
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[]
        {
            "TF1007 Retry(5, Backoff = RetryBackoff.Fixed)",
            "TF1007 Retry(3, DelaySeconds = 0)",
            "TF1007 Retry(3, MaxDelaySeconds = 2_700_000)",
            "TF1007 Retry(3, ScheduleSeconds = new[] { 0.0, 0.0 })",
            "TF1007 Retry(3, ScheduleSeconds = new[] { 60.0, 3_000_000.0 })",
        });
        var messages = diagnostics.Select(diagnostic => diagnostic.GetMessage(CultureInfo.InvariantCulture)).ToList();
        messages[0].ShouldBe("Retry policy of task 'Sync.FixedPace' is risky: fixed backoff retries 5 times at the same pace; use exponential backoff (the default) so that a failing dependency gets time to recover");
        messages[1].ShouldEndWith("a DelaySeconds of 0 retries at once, with no backoff");
        messages[2].ShouldEndWith("MaxDelaySeconds of 31.25 days exceeds the 31.07 days the broker's delay levels carry");
        messages[3].ShouldEndWith("every ScheduleSeconds entry is 0, so the retries follow each other with no delay");
        messages[4].ShouldEndWith("a ScheduleSeconds entry of 34.72 days exceeds the 31.07 days the broker's delay levels carry");
    }

    [Fact]
    public async Task Sensible_retry_attributes_are_not_reported()
    {
        var diagnostics = await AnalyzerHarness.FindAsync(Usings + """
            public static partial class Sync
            {
                [Task, Retry(3)]
                public static void Defaults() { }

                [Task, Retry(1, Backoff = RetryBackoff.Fixed)]
                public static void OneRetry() { }

                [Task, Retry(0, Backoff = RetryBackoff.Fixed, DelaySeconds = 0)]
                public static void NoRetries() { }

                [Task, Retry(5, DelaySeconds = 2, MaxDelaySeconds = 2_678_400)] // 31 days: within the range
                public static void LongCap() { }

                [Task, Retry(3, Backoff = RetryBackoff.Fixed, ScheduleSeconds = new[] { 1.0, 10.0, 60.0 })]
                public static void Scheduled() { }
            }
            """);

        diagnostics.ShouldBeEmpty();
    }

    [Fact]
    public async Task Retry_policies_and_context_retries_are_checked_too()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Usings + """
            public static partial class Sync
            {
                public static readonly RetryPolicy Hammer = new() { MaxRetries = 10, Backoff = RetryBackoff.Fixed };
                public static readonly RetryPolicy Far = new RetryPolicy { Delay = TimeSpan.FromDays(40) };
                public static readonly RetryPolicy FarSteps = new() { Schedule = new[] { TimeSpan.FromHours(1), new TimeSpan(32, 0, 0, 0) } };
                public static readonly RetryPolicy Fine = new() { MaxRetries = 5, Delay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromDays(1) + TimeSpan.FromHours(2) };
                public static readonly RetryPolicy Off = new() { MaxRetries = 0, Backoff = RetryBackoff.Fixed };

                public static RetryPolicy FromConfig(TimeSpan delay) => new() { Delay = delay, Backoff = RetryBackoff.Exponential };

                [Task]
                public static void Run(TaskContext context)
                {
                    if (context.Attempt == 1) throw context.Retry(TimeSpan.FromDays(45));
                    if (context.Attempt == 2) throw context.Retry(TimeSpan.Zero);
                    if (context.Attempt == 3) throw context.Retry(TimeSpan.FromMinutes(5));
                    throw context.Retry();
                }
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[]
        {
            "TF1007 new() { MaxRetries = 10, Backoff = RetryBackoff.Fixed }",
            "TF1007 new RetryPolicy { Delay = TimeSpan.FromDays(40) }",
            "TF1007 new() { Schedule = new[] { TimeSpan.FromHours(1), new TimeSpan(32, 0, 0, 0) } }",
            "TF1007 TimeSpan.FromDays(45)",
            "TF1007 TimeSpan.Zero",
        });
        diagnostics[1].GetMessage(CultureInfo.InvariantCulture).ShouldBe("Retry policy created here is risky: Delay of 40 days exceeds the 31.07 days the broker's delay levels carry");
        diagnostics[3].GetMessage(CultureInfo.InvariantCulture).ShouldBe("Retry policy of this retry is risky: a countdown of 45 days exceeds the 31.07 days the broker's delay levels carry");
    }

    [Fact]
    public async Task A_time_limit_needs_a_token_or_the_context()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Usings + """
            public static partial class Reports
            {
                [Task(SoftTimeLimitSeconds = 30)]
                public static Task Soft(int id) => Task.CompletedTask;

                [Task(TimeLimitSeconds = 60, SoftTimeLimitSeconds = 50)]
                public static void Both(int id) { }

                [Task(TimeLimitSeconds = 60)]
                public static Task WithToken(int id, CancellationToken cancellationToken) => Task.Delay(1, cancellationToken);

                [Task(SoftTimeLimitSeconds = 30)]
                public static Task WithContext(int id, TaskContext context) => Task.Delay(1, context.CancellationToken);

                [Task]
                public static void NoLimit(int id) { }
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[]
        {
            "TF1010 Task(SoftTimeLimitSeconds = 30)",
            "TF1010 Task(TimeLimitSeconds = 60, SoftTimeLimitSeconds = 50)",
        });
        diagnostics[0].GetMessage(CultureInfo.InvariantCulture).ShouldBe(
            "Task 'Reports.Soft' has a soft time limit of 30 s but no CancellationToken or TaskContext parameter; at the limit the worker cancels the task's token, which this task cannot see, so its work keeps running after the worker gave up on it");
        diagnostics[1].GetMessage(CultureInfo.InvariantCulture).ShouldContain("has a soft time limit (50 s) and a time limit (60 s)");
    }

    [Fact]
    public async Task Countdowns_beyond_the_range_and_expiry_before_the_countdown_are_reported()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Usings + """
            public static partial class Reports
            {
                [Task]
                public static Task Send(int id) => Task.CompletedTask;
            }

            public static class Caller
            {
                public static async Task Run(Reports.Client reports, TimeSpan configured)
                {
                    await reports.Send.ApplyAsync(1, new SendOptions { Countdown = TimeSpan.FromDays(40) });
                    await reports.Send.ApplyAsync(2, new SendOptions { Eta = DateTimeOffset.UtcNow.AddDays(32) });
                    await reports.Send.ApplyAsync(3, new SendOptions { Countdown = TimeSpan.FromMinutes(10), ExpiresIn = TimeSpan.FromMinutes(5) });

                    await reports.Send.ApplyAsync(4, new SendOptions { Countdown = TimeSpan.FromDays(30) });
                    await reports.Send.ApplyAsync(5, new SendOptions { Eta = DateTimeOffset.UtcNow + TimeSpan.FromHours(2), ExpiresAt = DateTimeOffset.UtcNow.AddHours(3) });
                    await reports.Send.ApplyAsync(6, new SendOptions { Countdown = configured, ExpiresIn = TimeSpan.FromMinutes(5) });
                    await reports.Send.ApplyAsync(7, new SendOptions { ExpiresIn = TimeSpan.FromMinutes(5) });
                }
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[]
        {
            "TF1011 Countdown = TimeSpan.FromDays(40)",
            "TF1011 Eta = DateTimeOffset.UtcNow.AddDays(32)",
            "TF1011 new SendOptions { Countdown = TimeSpan.FromMinutes(10), ExpiresIn = TimeSpan.FromMinutes(5) }",
        });
        diagnostics[0].GetMessage(CultureInfo.InvariantCulture).ShouldBe(
            "Task options cannot be honored: a Countdown of 40 days exceeds the 31.07 days the broker's delay levels carry, so enqueueing throws; store the task and send it closer to its time");
        diagnostics[2].GetMessage(CultureInfo.InvariantCulture).ShouldBe(
            "Task options cannot be honored: ExpiresIn (5 minutes) is not later than Countdown (10 minutes), so the task expires before it may run and is always discarded");
    }
}
