using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using TaskFlow.RabbitMq;

namespace TaskFlow.Interop.Tests.Infrastructure;

/// <summary>
/// One test's own exchange, dead-letter exchange and queue (names with a random suffix), handed to TaskFlow
/// through <see cref="TaskFlowOptions"/> and <see cref="RabbitMqOptions"/>, and to Python through environment variables.
/// </summary>
internal sealed class InteropTopology
{
    private InteropTopology(string kind, QueueType queueType)
    {
        Suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        Exchange = $"interop.{kind}.{Suffix}";
        DeadLetterExchange = $"interop.{kind}.{Suffix}.dlx";
        Queue = $"interop.{kind}.{Suffix}.q";
        DelayExchangePrefix = $"interop.{kind}.{Suffix}.delay";
        QueueType = queueType;
    }

    public string Suffix { get; }

    public string Exchange { get; }

    public string DeadLetterExchange { get; }

    public string Queue { get; }

    /// <summary>
    /// The test's own delay levels (<c>{prefix}.00</c> ... <c>.27</c>) and delivery exchange (<c>{prefix}.delivery</c>):
    /// TaskFlow binds every queue to the delivery exchange and declares the levels on the first delayed send or deferral.
    /// </summary>
    public string DelayExchangePrefix { get; }

    /// <summary>TaskFlow's default dead-letter queue name (<see cref="RabbitMqOptions.DeadLetterQueueSuffix"/> ".dead").</summary>
    public string DeadLetterQueue => Queue + ".dead";

    public QueueType QueueType { get; }

    public int DeliveryLimit { get; } = 20;

    public static InteropTopology Create(string kind, QueueType queueType) => new(kind, queueType);

    /// <summary>Makes this topology's queue TaskFlow's default queue.</summary>
    public void Apply(TaskFlowOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.DefaultQueue = Queue;
    }

    /// <summary>Points TaskFlow's RabbitMQ transport at this topology: its exchanges, delay levels, and the queue's type.</summary>
    public void Apply(RabbitMqOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ConnectionUri = InteropEnvironment.BrokerUri;
        options.ExchangeName = Exchange;
        options.DeadLetterExchangeName = DeadLetterExchange;
        options.DelayExchangePrefix = DelayExchangePrefix;
        options.QueueTypes[Queue] = QueueType;
        options.DeliveryLimit = DeliveryLimit;
        options.ClientName = "taskflow-interop-" + Suffix;
    }

    /// <summary>The same topology for python/taskflow_interop.py.</summary>
    public Dictionary<string, string> PythonEnvironment() => new(StringComparer.Ordinal)
    {
        ["TASKFLOW_BROKER_URL"] = InteropEnvironment.KombuBrokerUrl,
        ["TASKFLOW_EXCHANGE"] = Exchange,
        ["TASKFLOW_DLX"] = DeadLetterExchange,
        ["TASKFLOW_QUEUE"] = Queue,
        ["TASKFLOW_QUEUE_TYPE"] = QueueType == QueueType.Classic ? "classic" : "quorum",
        ["TASKFLOW_DELIVERY_LIMIT"] = DeliveryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public override string ToString() => $"exchange {Exchange}, dead-letter exchange {DeadLetterExchange}, {QueueType} queue {Queue}";
}
