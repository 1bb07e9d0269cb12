using System;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.RabbitMq;
using TaskFlow.RabbitMq.Internal;
using Shouldly;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>
/// The publisher's lanes (<see cref="RabbitMqOptions.PublishChannels"/>, 4 by default since stop 41): a channel with
/// publisher confirms each, opened on first use and taken in turn, never more than set; a worker that sends nothing opens
/// none. Counted by the broker (management API).
/// </summary>
public sealed class PublishLaneTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public Task By_default_four_lanes_open_on_first_use_one_channel_each_and_no_more() => LanesAsync(null, 4);

    /// <summary>A class of its own, so that it runs beside the default's (each waits out the management API's lag).</summary>
    public sealed class SetToTwo
    {
        [Fact]
        public Task Two_lanes_open_on_first_use_one_channel_each_and_no_more() => LanesAsync(2, 2);
    }

    private static async Task LanesAsync(int? publishChannels, int lanes)
    {
        new RabbitMqOptions().PublishChannels.ShouldBe(4, "the default");
        var client = Broker.UniqueName("lanes");
        await using var host = await TaskFlowTestHost.StartAsync(rabbit: o =>
        {
            o.ClientName = client;
            if (publishChannels is { } n)
            {
                o.PublishChannels = n;
            }
        });

        // A worker that has sent nothing has no publisher connection at all, so no lane.
        host.Services.GetRequiredService<BrokerConnections>().Existing(ConnectionRole.Publisher).ShouldBeNull();

        await host.Tasks.Record.DelayAsync("first", 1);
        (await ConfirmChannelsAsync(client, 1)).ShouldBe(1, "one send opens the one lane it took");

        for (var i = 2; i <= 12; i++)
        {
            await host.Tasks.Record.DelayAsync("more", i);
        }

        await host.Recorder.WaitForAsync(12, Timeout);
        (await ConfirmChannelsAsync(client, lanes)).ShouldBe(lanes, "twelve sends in turn open every lane, and no more");
    }

    /// <summary>
    /// The channels with publisher confirms on the connection named <paramref name="clientName"/>:publisher, once at least
    /// <paramref name="expected"/> are listed (within 20 s: the management API's lists lag a few seconds behind) and
    /// one more statistics interval has passed, so that a channel too many would show.
    /// </summary>
    private static async Task<int> ConfirmChannelsAsync(string clientName, int expected)
    {
        using var http = BrokerManagement.Client();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var seen = await CountAsync(http, clientName);
        while (seen < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            seen = await CountAsync(http, clientName);
        }

        if (seen < expected)
        {
            return seen;
        }

        await Task.Delay(TimeSpan.FromSeconds(6)); // the broker's default collect_statistics_interval is 5 s
        return await CountAsync(http, clientName);
    }

    private static async Task<int> CountAsync(HttpClient http, string clientName)
    {
        var name = (await BrokerManagement.ConnectionNamesAsync(http, n => n == clientName + ":publisher")).FirstOrDefault();
        if (name is null)
        {
            return 0;
        }

        using var channels = JsonDocument.Parse(await http.GetStringAsync($"api/connections/{Uri.EscapeDataString(name)}/channels?columns=name,confirm"));
        return channels.RootElement.EnumerateArray().Count(c => c.TryGetProperty("confirm", out var confirm) && confirm.ValueKind == JsonValueKind.True);
    }
}
