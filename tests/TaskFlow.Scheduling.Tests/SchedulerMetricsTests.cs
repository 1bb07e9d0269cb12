using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace TaskFlow.Scheduling.Tests;

/// <summary>
/// The scheduler's instruments, read with a <see cref="MeterListener"/> while the scheduler runs pass by pass on a
/// <see cref="FakeTimeProvider"/> against PostgreSQL: fires by status, the lag of sent fires, and the lease gauge.
/// </summary>
public sealed class SchedulerMetricsTests
{
    [Fact]
    public async Task Fires_lag_and_the_lease_are_measured()
    {
        var lease = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        var schedule = "every-minute-" + lease;
        var fires = new ConcurrentDictionary<string, long>();
        var lags = new ConcurrentBag<double>();
        var leases = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "TaskFlow" && instrument.Name.StartsWith("taskflow.schedule", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var map = Tags(tags);
            if (instrument.Name == "taskflow.schedule.fires" && Equals(map.GetValueOrDefault("taskflow.schedule"), schedule))
            {
                fires.AddOrUpdate((string)map["taskflow.schedule.fire.status"]!, value, (_, v) => v + value);
            }
            else if (instrument.Name.StartsWith("taskflow.scheduler.", StringComparison.Ordinal) && Equals(map.GetValueOrDefault("taskflow.scheduler.lease"), lease))
            {
                leases.AddOrUpdate(instrument.Name, value, (_, v) => v + value);
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "taskflow.schedule.fire.lag" && Equals(Tags(tags).GetValueOrDefault("taskflow.schedule"), schedule))
            {
                lags.Add(value);
            }
        });
        listener.Start();

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 30, TimeSpan.Zero));
        await using var host = await SchedulingHost.CreateAsync(time: time, scheduler: true, start: false, configure: o => o.LeaseName = lease);
        await host.Schedules.AddAsync(host.Definition(schedule, cron: "* * * * *", overlap: OverlapPolicy.AllowAll, catchUp: CatchUpPolicy.Skip));

        time.Advance(TimeSpan.FromSeconds(40)); // 10:01:10: the 10:01 fire, 10 s late
        await host.Scheduler.PassAsync(default);
        leases.GetValueOrDefault("taskflow.scheduler.leases").ShouldBe(1, "this process holds the lease");
        leases.GetValueOrDefault("taskflow.scheduler.lease.acquired").ShouldBe(1);

        // 10:11:40 in one jump: 10:02 .. 10:10 are more than the 1 min threshold late (missed, skipped by the catch-up
        // policy); 10:11 is 40 s late and sent. The lease (2 s) expired meanwhile: the first pass finds it lost.
        time.Advance(TimeSpan.FromMinutes(10).Add(TimeSpan.FromSeconds(30)));
        await host.Scheduler.PassAsync(default);
        await host.Scheduler.PassAsync(default);

        fires.GetValueOrDefault("sent").ShouldBe(2);
        fires.GetValueOrDefault("missed").ShouldBe(9);
        lags.OrderBy(l => l).ShouldBe(new[] { 10.0, 40.0 }, tolerance: 0.5);
        leases.GetValueOrDefault("taskflow.scheduler.leases").ShouldBe(1, "held again after the takeover");

        await host.Scheduler.StopAsync(default);
        leases.GetValueOrDefault("taskflow.scheduler.leases").ShouldBe(0, "given up at stop");
    }

    private static Dictionary<string, object?> Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            map[tag.Key] = tag.Value;
        }

        return map;
    }
}
