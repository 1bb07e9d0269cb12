using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Testing.Tests;

/// <summary>The same assertions against the real broker, with a worker in this process: tracked sessions.</summary>
public sealed class BrokerSessionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TrackedSession_WaitsForTasksSentByTasks_AndForRetries()
    {
        await using var broker = await BrokerHost.StartAsync();
        var harness = broker.Harness;
        var tasks = broker.Services.GetRequiredService<BrokerTasks.Client>();

        await using (var session = harness.Track())
        {
            await tasks.Relay.DelayAsync([1, 2, 3]);
            await tasks.FlakyOnce.DelayAsync("b");

            await session.WaitUntilIdleAsync(Wait);

            // Done means done: every task of the action and of its tasks reached its final state before the wait returned.
            session.Sent.Select(s => s.TaskName).Order().ShouldBe(["harness.broker.flaky", "harness.broker.leaf", "harness.broker.leaf", "harness.broker.leaf", "harness.broker.relay"]);
            session.Sent.ShouldAllBe(s => s.Outcome == "succeeded");
        }

        harness.Sent.Leaf.Select(s => s.UserId).Order().ShouldBe([1L, 2L, 3L]);
        harness.Sent.Relay.Single().UserIds.ShouldBe([1L, 2L, 3L]);
        harness.Sent.FlakyOnce.Single().Sent.Runs.Select(r => r.Outcome).ShouldBe(["retried", "succeeded"]);
        broker.Services.GetRequiredService<Effects>().Log.Order().ShouldBe(["flaky b", "leaf 1", "leaf 2", "leaf 3"]);
        (await Should.ThrowAsync<InvalidOperationException>(() => harness.RunUntilIdleAsync())).Message.ShouldContain("real transport");
    }

    [Fact]
    public async Task TrackedSession_TimesOut_NamingWhatIsPending_WhenNoWorkerRuns()
    {
        await using var broker = await BrokerHost.StartAsync(worker: false);
        var tasks = broker.Services.GetRequiredService<BrokerTasks.Client>();

        await using var session = broker.Harness.Track();
        var handle = await tasks.Leaf.DelayAsync(7);

        var error = await Should.ThrowAsync<TimeoutException>(() => session.WaitUntilIdleAsync(TimeSpan.FromSeconds(2)));
        error.Message.ShouldContain(handle.Id);
        broker.Harness.Sent.Leaf.Single().UserId.ShouldBe(7L);
    }

    [Fact]
    public async Task TrackedSession_WithNothingSent_IsIdleAtOnce()
    {
        await using var broker = await BrokerHost.StartAsync(worker: false);
        await using var session = broker.Harness.Track();

        await session.WaitUntilIdleAsync(TimeSpan.FromSeconds(5));

        session.Sent.ShouldBeEmpty();
    }

    private sealed class BrokerHost : IAsyncDisposable
    {
        private readonly IHost _host;
        private readonly RabbitMqOptions _options;
        private readonly string _queue;

        private BrokerHost(IHost host, RabbitMqOptions options, string queue)
        {
            _host = host;
            _options = options;
            _queue = queue;
        }

        public IServiceProvider Services => _host.Services;

        public TaskFlowTestHarness Harness => Services.GetRequiredService<TaskFlowTestHarness>();

        public static async Task<BrokerHost> StartAsync(bool worker = true)
        {
            var queue = "tf-harness-" + Guid.NewGuid().ToString("N")[..12];
            var rabbit = new RabbitMqOptions();
            void Configure(RabbitMqOptions o)
            {
                o.ConnectionUri = TestEnvironment.BrokerUri;
                o.ExchangeName = queue + ".x";
                o.DeadLetterExchangeName = queue + ".dlx";
            }

            Configure(rabbit);
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<Effects>();
            var flow = builder.Services.AddTaskFlow(o => o.DefaultQueue = queue).UseRabbitMq(Configure).AddTaskFlowTestingTestsTasks();
            if (worker)
            {
                flow.AddWorker(w =>
                {
                    w.AddQueue(queue, concurrency: 4, prefetch: 16);
                    w.ShutdownGracePeriod = TimeSpan.FromSeconds(2);
                });
            }

            builder.Services.AddTaskFlowTestHarness(o => o.UseTransport = true);
            var host = builder.Build();
            await host.StartAsync();
            if (worker)
            {
                await host.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(TimeSpan.FromSeconds(30));
            }

            return new BrokerHost(host, rabbit, queue);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _host.StopAsync();
            }
            finally
            {
                _host.Dispose();
            }

            var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri, ClientProvidedName = "taskflow-testing-tests" }.CreateConnectionAsync();
            await using (connection)
            {
                await using var channel = await connection.CreateChannelAsync();
                await channel.QueueDeleteAsync(_queue);
                await channel.QueueDeleteAsync(_queue + _options.DeadLetterQueueSuffix);
                await channel.ExchangeDeleteAsync(_options.ExchangeName);
                await channel.ExchangeDeleteAsync(_options.DeadLetterExchangeName);
            }
        }
    }
}
