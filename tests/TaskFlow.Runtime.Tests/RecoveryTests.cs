using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Core;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq.Internal;
using Shouldly;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>Forced connection closes (what `rabbitmqctl close_connection` does): consumers and publishers resume on their own.</summary>
public sealed class RecoveryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Worker_resumes_consuming_after_the_broker_closes_its_connection()
    {
        var client = Broker.UniqueName("recovery");
        await using var host = await TaskFlowTestHost.StartAsync(rabbit: o => o.ClientName = client);
        var status = host.Services.GetRequiredService<TaskFlowWorkerStatus>();
        await host.Tasks.Record.DelayAsync("before", 1);
        await host.Recorder.WaitForAsync(1, Timeout);
        status.AllConsuming.ShouldBeTrue();

        (await CloseConnectionsAsync(client)).ShouldBe(2, "the publisher's and the consumer's connections");
        await WaitUntilAsync(() => !status.AllConsuming, TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => status.AllConsuming, Timeout);

        var health = await host.Services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>().CheckHealthAsync();
        health.Status.ShouldBe(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);
        health.Entries["taskflow"].Data["worker:" + host.Queue].ShouldBe("consuming");

        await host.Tasks.Record.DelayAsync("after", 2);
        await host.Recorder.WaitForAsync(2, Timeout);
        host.Recorder.Records.Select(r => r.Key).ShouldBe(new[] { "before", "after" });
    }

    [Fact]
    public async Task The_transport_signals_when_a_dropped_consumer_connection_is_back_and_not_while_it_is_up()
    {
        // What the worker waits on after a consumer could not start because its connection had dropped (a channel closed
        // by the broker, the connection lost right after): it starts again the moment the connection recovers, not after
        // a fixed back-off (CI: 3.1 s without consuming where recovery took about 1).
        var client = Broker.UniqueName("recovery");
        await using var host = await TaskFlowTestHost.StartAsync(rabbit: o =>
        {
            o.ClientName = client;
            o.RecoveryInterval = TimeSpan.FromMilliseconds(700);
        });
        await host.Tasks.Record.DelayAsync("before", 1); // opens the publisher's connection too
        await host.Recorder.WaitForAsync(1, Timeout);
        var transport = host.Services.GetRequiredService<IWorkerTransport>();
        var consumer = host.Services.GetRequiredService<BrokerConnections>().Existing(ConnectionRole.Consumer).ShouldNotBeNull();
        var whileUp = transport.WhenReconnected();

        (await CloseConnectionsAsync(client)).ShouldBe(2);
        await WaitUntilAsync(() => !consumer.IsOpen, TimeSpan.FromSeconds(10));
        var back = transport.WhenReconnected();
        back.IsCompleted.ShouldBeFalse("down, and the recovery waits 700 ms before it reconnects");

        await back.WaitAsync(Timeout);
        consumer.IsOpen.ShouldBeTrue("signalled once the connection is open again");
        whileUp.IsCompleted.ShouldBeFalse("asked while the connection was up: nothing to wait for, the worker's back-off applies");
        transport.WhenReconnected().IsCompleted.ShouldBeFalse("up again");
    }

    [Fact]
    public async Task Publishes_while_the_connection_is_recovering_are_retried_not_lost()
    {
        var client = Broker.UniqueName("recovery");
        await using var host = await TaskFlowTestHost.StartAsync(rabbit: o => o.ClientName = client);
        await host.Tasks.Record.DelayAsync("warm-up", 0);
        await host.Recorder.WaitForAsync(1, Timeout);

        var sends = Enumerable.Range(1, 200).Select(async i =>
        {
            await Task.Delay(i * 5);
            return await host.Tasks.Record.DelayAsync("burst", i);
        }).ToList();
        await Task.Delay(200);
        await CloseConnectionsAsync(client);
        var handles = await Task.WhenAll(sends);

        handles.Length.ShouldBe(200);
        await host.Recorder.WaitForAsync(201, Timeout);
        host.Recorder.Records.Where(r => r.Key == "burst").Select(r => r.Value).Distinct().Count().ShouldBe(200, "every confirmed task ran (duplicates allowed, losses not)");
    }

    /// <summary>Closes every connection whose client-provided name starts with <paramref name="clientName"/>, through the management API.</summary>
    private static async Task<int> CloseConnectionsAsync(string clientName)
    {
        using var http = BrokerManagement.Client();
        var names = Array.Empty<string>();
        for (var i = 0; i < 50 && names.Length < 2; i++)
        {
            // The management API's connection list lags a few seconds behind.
            names = await BrokerManagement.ConnectionNamesAsync(http, n => n.StartsWith(clientName, StringComparison.Ordinal));
            if (names.Length < 2)
            {
                await Task.Delay(200);
            }
        }

        foreach (var name in names)
        {
            using var response = await http.DeleteAsync("api/connections/" + Uri.EscapeDataString(name));
            response.EnsureSuccessStatusCode();
        }

        return names.Length;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in time");
            }

            await Task.Delay(20);
        }
    }
}
