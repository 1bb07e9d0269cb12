using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using TaskFlow.Core;
using TaskFlow.Core.Probes;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>The probe health part: a queue whose probe waits too long is unhealthy, unless the queue is paused on purpose.</summary>
public sealed class ProbeHealthPartTests
{
    [Fact]
    public async Task An_unanswered_probe_is_unhealthy_but_not_on_a_paused_queue()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var monitor = new ProbeMonitor(time);
        monitor.Of("orders").Sent("probe-1", time.GetUtcNow());
        monitor.Of("emails").Sent("probe-2", time.GetUtcNow());
        time.Advance(TimeSpan.FromMinutes(2)); // past UnhealthyAfter (60 s) for both
        var options = new TaskFlowProbeOptions();
        var paused = new Paused { Names = ["emails"] };

        var result = await new ProbeHealthPart(monitor, options, paused).CheckAsync(CancellationToken.None);

        result.Status.ShouldBe(HealthStatus.Unhealthy, "orders still waits for its probe");
        result.Description.ShouldNotBeNull().ShouldContain("orders");
        result.Description.ShouldNotContain("emails");
        result.Data["emails"].ShouldNotBeNull().ToString()!.ShouldContain("paused");

        paused.Names = ["emails", "orders"];
        (await new ProbeHealthPart(monitor, options, paused).CheckAsync(CancellationToken.None)).Status.ShouldBe(HealthStatus.Healthy);
        (await new ProbeHealthPart(monitor, options).CheckAsync(CancellationToken.None)).Status.ShouldBe(HealthStatus.Unhealthy, "without the pause source both are judged");
    }

    private sealed class Paused : IPausedQueues
    {
        public IReadOnlyCollection<string> Names { get; set; } = [];

        public Task<IReadOnlyCollection<string>> GetPausedAsync(CancellationToken cancellationToken) => Task.FromResult(Names);
    }
}
