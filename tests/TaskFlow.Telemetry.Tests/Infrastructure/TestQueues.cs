using System;
using System.Threading.Tasks;
using RabbitMQ.Client;
using TaskFlow.RabbitMq;
using TaskFlow.TestSupport;

namespace TaskFlow.Telemetry.Tests;

/// <summary>Unique queue and exchange names per test (others test against the same broker), and their removal.</summary>
internal static class TestQueues
{
    public static string Unique(string prefix) => $"tf-telemetry-{prefix}-{Guid.NewGuid():N}";

    /// <summary>The broker settings of a test's own queue: its exchanges are <c>{queue}.x</c> and <c>{queue}.dlx</c> (as the worker process uses).</summary>
    public static void Configure(RabbitMqOptions options, string queue)
    {
        options.ConnectionUri = TestEnvironment.BrokerUri;
        options.ExchangeName = queue + ".x";
        options.DeadLetterExchangeName = queue + ".dlx";
    }

    /// <summary>Deletes a test's queue, its dead-letter queue and its exchanges.</summary>
    public static async Task DeleteAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri, ClientProvidedName = "taskflow-telemetry-tests" }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(queue);
        await channel.QueueDeleteAsync(queue + RabbitMqDefaults.DeadLetterQueueSuffix);
        await channel.ExchangeDeleteAsync(queue + ".x");
        await channel.ExchangeDeleteAsync(queue + ".dlx");
    }
}
