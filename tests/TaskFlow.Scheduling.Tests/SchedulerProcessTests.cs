using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Dapper;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskFlow.Scheduling.Tests;

/// <summary>
/// Three scheduler processes started together on one schema, four every-second schedules (AllowAll): the holder of
/// the lease is killed with SIGKILL mid-run; over at least 200 fires every fire time is recorded exactly once, every
/// fire's task runs once on a real worker, and the takeover time is measured.
/// </summary>
public sealed class SchedulerProcessTests
{
    private const int Schedules = 4;
    private readonly ITestOutputHelper _output;

    public SchedulerProcessTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task Three_schedulers_one_killed_every_fire_exactly_once()
    {
        await using var host = await SchedulingHost.CreateAsync(worker: true, concurrency: 8);
        var environment = new Dictionary<string, string>
        {
            ["TASKFLOW_SCHED_SCHEMA"] = host.Schema,
            ["TASKFLOW_SCHED_QUEUE"] = host.Queue,
            ["TASKFLOW_SCHED_SCHEDULES"] = Schedules.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TASKFLOW_SCHED_LEASE_MS"] = "3000",
        };
        var processes = Enumerable.Range(0, 3).Select(i => ChildProcess.Start(
            Dotnet.StartInfo([Dotnet.AppNextToTests("TaskFlow.Scheduling.Worker.dll")], AppContext.BaseDirectory, environment), "scheduler-" + i)).ToList();
        try
        {
            foreach (var process in processes)
            {
                await process.WaitForLineAsync("SCHEDULER-READY", TimeSpan.FromSeconds(60));
            }

            await Eventually.UntilAsync(async () => await SentAsync(host) >= 60, TimeSpan.FromSeconds(60), "60 fires before the kill");
            var (holder, token) = await LeaseAsync(host);
            var pid = int.Parse(holder.Split(':')[1].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture);
            var victim = processes.Single(p => p.Id == pid);
            var killedAt = DateTime.UtcNow;
            Process.GetProcessById(pid).Kill(); // SIGKILL
            _output.WriteLine($"killed holder {holder} (token {token}) at {killedAt:HH:mm:ss.fff}");

            await Eventually.UntilAsync(async () => await SentAsync(host) >= 220, TimeSpan.FromSeconds(90), "220 fires");
            foreach (var process in processes.Where(p => p != victim))
            {
                Process.GetProcessById(process.Id).Kill();
            }

            // Every recorded fire's task runs (the outbox rows of the last transactions are relayed by... nobody now:
            // relay what is left from this process's store).
            await Eventually.UntilAsync(async () => await OutboxLeftAsync(host) == 0, TimeSpan.FromSeconds(30), "the outbox is empty");
            await using var connection = await host.OpenAsync();
            var fires = (await connection.QueryAsync<(string Schedule, DateTime FireAt, short Status, long Token, DateTime RecordedAt, string TaskId)>(
                $"SELECT schedule_name, fire_at, status, token, recorded_at, task_id FROM {host.Schema}.schedule_fire ORDER BY schedule_name, fire_at")).ToList();
            await Eventually.UntilAsync(
                async () => await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {host.Schema}.task_state t JOIN {host.Schema}.schedule_fire f ON f.task_id = t.task_id WHERE t.state = 10") == fires.Count,
                TimeSpan.FromSeconds(60),
                "every fire's task succeeded");

            fires.Count.ShouldBeGreaterThanOrEqualTo(200);
            fires.ShouldAllBe(f => f.Status == (short)ScheduleFireStatus.Sent);
            fires.Select(f => f.TaskId).ShouldBeUnique();
            foreach (var schedule in fires.GroupBy(f => f.Schedule))
            {
                var times = schedule.Select(f => f.FireAt).ToList();
                times.ShouldBeUnique();
                var seconds = (int)Math.Round((times[^1] - times[0]).TotalSeconds);
                times.Count.ShouldBe(seconds + 1, $"{schedule.Key}: every second from {times[0]:HH:mm:ss} to {times[^1]:HH:mm:ss} exactly once");
            }

            var after = fires.Where(f => f.Token > token).ToList();
            after.ShouldNotBeEmpty();
            var takeover = after.Min(f => f.RecordedAt) - killedAt;
            var tokens = fires.Select(f => f.Token).Distinct().Order().ToList();
            var runs = await connection.ExecuteScalarAsync<long>($"SELECT COALESCE(SUM(attempts), 0) FROM {host.Schema}.task_state t JOIN {host.Schema}.schedule_fire f ON f.task_id = t.task_id");
            _output.WriteLine($"{fires.Count} fires of {Schedules} every-second schedules, each fire time exactly once; tokens {string.Join(", ", tokens)}; " +
                $"{fires.Count(f => f.Token <= token)} fires before the kill, {after.Count} after; first fire of the new holder {takeover.TotalSeconds:F2} s after the kill " +
                $"(lease 3 s, tick 0.1 s); latest fire {fires.Max(f => (f.RecordedAt - f.FireAt).TotalSeconds):F2} s after its time; {runs} task runs recorded for {fires.Count} fires");
            foreach (var process in processes)
            {
                foreach (var line in process.Lines.Where(l => l.Contains("lease", StringComparison.OrdinalIgnoreCase)))
                {
                    _output.WriteLine(process.Name + ": " + line);
                }
            }

            takeover.ShouldBeLessThan(TimeSpan.FromSeconds(15));
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static async Task<long> SentAsync(SchedulingHost host)
    {
        await using var connection = await host.OpenAsync();
        return await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {host.Schema}.schedule_fire");
    }

    private static async Task<long> OutboxLeftAsync(SchedulingHost host)
    {
        await using var connection = await host.OpenAsync();
        return await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {host.Schema}.outbox_message");
    }

    private static async Task<(string Holder, long Token)> LeaseAsync(SchedulingHost host)
    {
        await using var connection = await host.OpenAsync();
        return await connection.QuerySingleAsync<(string, long)>($"SELECT holder, token FROM {host.Schema}.scheduler_lease");
    }
}
