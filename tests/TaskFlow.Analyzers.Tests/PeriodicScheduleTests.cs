using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TaskFlow.Analyzers.Tests;

/// <summary>TF1013: [Periodic] schedules that cannot be scheduled fail the build; valid ones pass.</summary>
public sealed class PeriodicScheduleTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using TaskFlow;
        using TaskFlow.Scheduling;

        """;

    [Fact]
    public async Task Invalid_schedules_are_reported_with_what_is_wrong()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Usings + """
            public static partial class Jobs
            {
                [Task, Periodic("61 * * * *")]
                public static void BadMinute() { }

                [Task, Periodic("* * *")]
                public static void ThreeFields() { }

                [Task, Periodic("0 3 * * *", TimeZone = "Mars/Olympus")]
                public static void UnknownZone() { }

                [Task, Periodic(Every = "five minutes")]
                public static void BadInterval() { }

                [Task, Periodic]
                public static void NoTiming() { }

                [Task, Periodic("0 3 * * *")]
                public static void MissingArguments(string region) { }

                [Task, Periodic("0 3 * * *", Arguments = new object[] { 3 })]
                public static void WrongType(string region) { }

                [Periodic("0 3 * * *")]
                public static void NotATask() { }

                [Task, Periodic("0 3 * * *"), Periodic("0 4 * * *")]
                public static void Unnamed() { }
            }
            """);

        diagnostics.ShouldAllBe(d => d.Id == "TF1013");
        var messages = diagnostics.Select(d => d.GetMessage(CultureInfo.InvariantCulture)).ToList();
        messages.ShouldBe(
        [
            "[Periodic] on task 'Jobs.BadMinute' cannot be scheduled: '61 * * * *' is not a valid cron expression: '61' is out of range in the minute field (0-59)",
            "[Periodic] on task 'Jobs.ThreeFields' cannot be scheduled: '* * *' is not a valid cron expression: it has 3 fields; write 5 (minute hour day-of-month month day-of-week) or 6 with seconds first",
            "[Periodic] on task 'Jobs.UnknownZone' cannot be scheduled: time zone 'Mars/Olympus' is not known; use an IANA id such as Europe/Paris or America/New_York",
            "[Periodic] on task 'Jobs.BadInterval' cannot be scheduled: Every = \"five minutes\" is not a time span; write hh:mm:ss (\"00:05:00\") or d.hh:mm:ss",
            "[Periodic] on task 'Jobs.NoTiming' cannot be scheduled: it has neither a cron expression nor an interval (Every)",
            "[Periodic] on task 'Jobs.MissingArguments' cannot be scheduled: the task takes 1 argument(s); give them as constants with Arguments = new object[] { ... }",
            "[Periodic] on task 'Jobs.WrongType' cannot be scheduled: argument 1 (int) does not fit parameter 'region' (string)",
            "[Periodic] on task 'Jobs.NotATask' cannot be scheduled: it is not on a [Task] method; add [Task] or remove [Periodic]",
            "[Periodic] on task 'Jobs.Unnamed' cannot be scheduled: the task has 2 [Periodic] attributes; give each a Name",
            "[Periodic] on task 'Jobs.Unnamed' cannot be scheduled: the task has 2 [Periodic] attributes; give each a Name",
        ], ignoreOrder: true);
        diagnostics.ShouldAllBe(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
    }

    [Fact]
    public async Task Valid_schedules_are_not_reported()
    {
        var found = await AnalyzerHarness.FindAsync(Usings + """
            public static partial class Jobs
            {
                [Task, Periodic("*/5 * * * *", TimeZone = "Europe/Paris")]
                public static void Every5() { }

                [Task, Periodic("*/10 * * * * *")]
                public static void WithSeconds(CancellationToken cancellationToken) { }

                [Task, Periodic("0 0 L * ?", Name = "last-day"), Periodic("0 9 ? * MON-FRI", Name = "weekdays"), Periodic("0 9 * JAN-MAR 1#2", Name = "second-monday")]
                public static void Special() { }

                [Task, Periodic("@daily")]
                public static void Macro() { }

                [Task, Periodic(Every = "00:05:00", Arguments = new object[] { "eu", 3 }, CatchUp = CatchUpPolicy.RunAll, CatchUpWindow = "06:00:00", Overlap = OverlapPolicy.BufferOne)]
                public static void WithArguments(string region, long depth) { }
            }
            """, "TF1013");

        found.ShouldBeEmpty();
    }
}
