using System;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Cli.Tests;

/// <summary><c>taskflow schedules</c>: add, list, show, pause, resume, trigger, delete against a real state store; bad input refused.</summary>
public sealed class ScheduleCommandTests
{
    [Fact]
    public async Task Schedules_are_added_listed_shown_paused_resumed_triggered_and_deleted()
    {
        var cli = new Cli("tf_cli_" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            (await cli.RunAsync("schema", "apply")).EnsureSuccess();
            var added = await cli.JsonAsync("schedules", "add", "cleanup-eu", "--task", "notes.cleanup", "--args", "[\"eu\", 3]", "--cron", "0 3 * * *", "--time-zone", "Europe/Paris", "--overlap", "BufferOne");
            added.GetProperty("cron").GetString().ShouldBe("0 3 * * *");
            added.GetProperty("overlap").GetString().ShouldBe("BufferOne");
            added.GetProperty("source").GetString().ShouldBe("Runtime");

            var badCron = await cli.RunAsync("schedules", "add", "bad", "--task", "t", "--cron", "0 25 * * *");
            badCron.ExitCode.ShouldBe(2);
            badCron.StandardError.ShouldContain("not a valid cron expression");
            (await cli.RunAsync("schedules", "add", "bad", "--task", "t", "--every", "00:05:00", "--args", "{}")).StandardError.ShouldContain("JSON array");
            (await cli.RunAsync("schedules", "add", "bad", "--task", "t")).ExitCode.ShouldBe(2);
            (await cli.RunAsync("schedules", "add", "cleanup-eu", "--task", "t", "--every", "00:05:00")).StandardError.ShouldContain("--replace");

            var list = await cli.JsonAsync("schedules", "list");
            list.EnumerateArray().Select(s => s.GetProperty("name").GetString()).ShouldBe(["cleanup-eu"]);
            (await cli.RunAsync("schedules", "list")).EnsureSuccess().StandardOutput.ShouldContain("cron 0 3 * * * (Europe/Paris)");

            (await cli.JsonAsync("schedules", "pause", "cleanup-eu")).GetProperty("paused").GetBoolean().ShouldBeTrue();
            (await cli.JsonAsync("schedules", "show", "cleanup-eu")).GetProperty("schedule").GetProperty("paused").GetBoolean().ShouldBeTrue();
            (await cli.JsonAsync("schedules", "resume", "cleanup-eu")).GetProperty("resumed").GetBoolean().ShouldBeTrue();

            var fire = await cli.JsonAsync("schedules", "trigger", "cleanup-eu");
            var taskId = fire.GetProperty("taskId").GetString();
            var shown = await cli.JsonAsync("schedules", "show", "cleanup-eu");
            shown.GetProperty("schedule").GetProperty("lastTaskId").GetString().ShouldBe(taskId);
            shown.GetProperty("fires").EnumerateArray().Single().GetProperty("status").GetString().ShouldBe("triggered");

            (await cli.JsonAsync("schedules", "add", "cleanup-eu", "--task", "notes.cleanup", "--every", "00:10:00", "--replace")).GetProperty("every").GetString().ShouldBe("00:10:00");
            (await cli.JsonAsync("schedules", "delete", "cleanup-eu")).GetProperty("deleted").GetBoolean().ShouldBeTrue();
            var missing = await cli.RunAsync("schedules", "show", "cleanup-eu");
            missing.ExitCode.ShouldBe(1);
            missing.StandardError.ShouldContain("no schedule named 'cleanup-eu'");
        }
        finally
        {
            await using var connection = new Npgsql.NpgsqlConnection(TestEnvironment.PostgresConnectionString);
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {cli.Schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
