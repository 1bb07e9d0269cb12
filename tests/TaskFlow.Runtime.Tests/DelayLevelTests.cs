using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.RabbitMq;
using TaskFlow.RabbitMq.Internal;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>The delay levels when a delayed task's queue no longer exists, against the real broker.</summary>
public sealed class DelayLevelTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Delayed_tasks_of_a_deleted_queue_go_to_the_unroutable_queue_and_later_delays_still_arrive()
    {
        var prefix = Broker.UniqueName("dl") + ".delay";
        string doomedQueue;
        try
        {
            // 60 delayed tasks for a queue that is deleted while they wait in the levels. Without an alternate exchange on the
            // delivery exchange they are unroutable there; the level dead-letters at-least-once, so it retries them forever,
            // and with a few dozen of them the level stops handing on anything, for every queue.
            await using (var doomed = await TaskFlowTestHost.StartAsync(worker: false, rabbit: o => o.DelayExchangePrefix = prefix))
            {
                doomedQueue = doomed.Queue;
                var tasks = doomed.Services.GetRequiredService<DeliveryTasks.Client>();
                for (var i = 0; i < 60; i++)
                {
                    await tasks.Stamp.ApplyAsync($"doomed{i}", new SendOptions { Countdown = TimeSpan.FromSeconds(2) });
                }

                await using var connection = await Broker.ConnectAsync();
                await using var channel = await connection.CreateChannelAsync();
                await channel.QueueDeleteAsync(doomed.Queue);
            }

            // A later delayed task for a live queue takes the same last level (2 s and 3 s both pass level 3) and arrives.
            await using var live = await TaskFlowTestHost.StartAsync(rabbit: o => o.DelayExchangePrefix = prefix);
            var sentAt = DateTimeOffset.UtcNow;
            await live.Services.GetRequiredService<DeliveryTasks.Client>().Stamp.ApplyAsync("live", new SendOptions { Countdown = TimeSpan.FromSeconds(3) });
            await live.Recorder.WaitForAsync(1, Timeout);
            live.Recorder.Records.Single().Key.ShouldBe("live");
            (DateTimeOffset.UtcNow - sentAt).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2.9));

            // Nothing lost: all 60 are kept in the bounded unroutable queue, for an operator to inspect.
            await using var check = await Broker.ConnectAsync();
            await using var inspect = await check.CreateChannelAsync();
            var unroutable = Topology.UnroutableName(prefix);
            var deadline = DateTime.UtcNow + Timeout;
            uint count;
            while ((count = (await inspect.QueueDeclarePassiveAsync(unroutable)).MessageCount) < 60 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            count.ShouldBe(60u);
            var first = await inspect.BasicGetAsync(unroutable, autoAck: true);
            first.ShouldNotBeNull();
            first.RoutingKey.ShouldEndWith("." + doomedQueue);
        }
        finally
        {
            await DeleteDelayLevelsAsync(prefix);
        }
    }

    [Fact]
    public async Task A_delivery_exchange_declared_by_an_older_version_is_used_as_it_is_with_a_warning_that_says_how_to_fix_it()
    {
        var prefix = Broker.UniqueName("dlold") + ".delay";
        try
        {
            await using var connection = await Broker.ConnectAsync();
            await using (var channel = await connection.CreateChannelAsync())
            {
                // What TaskFlow 0.2 declared: no alternate exchange.
                await channel.ExchangeDeclareAsync(prefix + ".delivery", ExchangeType.Topic, durable: true, autoDelete: false);
            }

            var logger = new CapturingLogger();
            using var topology = new Topology(new RabbitMqOptions { DelayExchangePrefix = prefix }, logger);
            await topology.DeclareDeliveryExchangeAsync(connection, CancellationToken.None);
            await using (var channel = await connection.CreateChannelAsync())
            {
                // The queue and the levels declare against it without PRECONDITION_FAILED.
                var queue = Broker.UniqueName("dlq");
                await topology.DeclareQueueAsync(channel, queue, CancellationToken.None);
                await topology.DeclareDelayLevelsAsync(channel, CancellationToken.None);
                await channel.QueueDeleteAsync(queue);
                await channel.QueueDeleteAsync(queue + ".dead");
            }

            var warning = logger.Entries.ShouldHaveSingleItem();
            warning.Level.ShouldBe(LogLevel.Warning);
            warning.EventId.ShouldBe(3017);
            warning.Message.ShouldContain("rabbitmqctl set_policy --apply-to exchanges");
            warning.Message.ShouldContain(prefix + ".unroutable");

            // A fresh prefix gets the alternate exchange: declaring it again without one is refused by the broker.
            var fresh = Broker.UniqueName("dlnew") + ".delay";
            try
            {
                using var freshTopology = new Topology(new RabbitMqOptions { DelayExchangePrefix = fresh }, logger);
                await freshTopology.DeclareDeliveryExchangeAsync(connection, CancellationToken.None);
                logger.Entries.Count.ShouldBe(1);
                await using var probe = await connection.CreateChannelAsync();
                var refused = await Should.ThrowAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(async () =>
                    await probe.ExchangeDeclareAsync(fresh + ".delivery", ExchangeType.Topic, durable: true, autoDelete: false));
                refused.ShutdownReason!.ReplyText.ShouldContain("alternate-exchange");
            }
            finally
            {
                await DeleteDelayLevelsAsync(fresh);
            }
        }
        finally
        {
            await DeleteDelayLevelsAsync(prefix);
        }
    }

    private static async Task DeleteDelayLevelsAsync(string prefix)
    {
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        for (var level = 0; level < DelayLevels.Count; level++)
        {
            await channel.QueueDeleteAsync(DelayLevels.QueueName(prefix, level));
            await channel.ExchangeDeleteAsync(DelayLevels.ExchangeName(prefix, level));
        }

        await channel.ExchangeDeleteAsync(DelayLevels.DeliveryExchangeName(prefix));
        await channel.QueueDeleteAsync(Topology.UnroutableName(prefix));
        await channel.ExchangeDeleteAsync(Topology.UnroutableName(prefix));
    }

    private sealed class CapturingLogger : ILogger
    {
        private readonly List<(LogLevel Level, int EventId, string Message)> _entries = new();

        public List<(LogLevel Level, int EventId, string Message)> Entries
        {
            get
            {
                lock (_entries)
                {
                    return _entries.ToList();
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_entries)
            {
                _entries.Add((logLevel, eventId.Id, formatter(state, exception)));
            }
        }
    }
}
