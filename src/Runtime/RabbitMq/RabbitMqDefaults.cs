using System;

namespace TaskFlow.RabbitMq;

/// <summary>The defaults of <see cref="RabbitMqOptions"/>, in one place (the options initialise from these; docs quote them).</summary>
public static class RabbitMqDefaults
{
    /// <summary><c>amqp://guest:guest@127.0.0.1:5672/</c>.</summary>
    public const string ConnectionUri = "amqp://guest:guest@127.0.0.1:5672/";

    /// <summary>The configuration subsection of <c>TaskFlow</c> that <c>UseRabbitMq(configuration)</c> is given: <c>RabbitMq</c>.</summary>
    public const string SectionName = "RabbitMq";

    /// <summary><c>taskflow</c>.</summary>
    public const string ExchangeName = "taskflow";

    /// <summary><c>taskflow.dlx</c>.</summary>
    public const string DeadLetterExchangeName = "taskflow.dlx";

    /// <summary><c>taskflow.delay</c>.</summary>
    public const string DelayExchangePrefix = "taskflow.delay";

    /// <summary><c>.dead</c>.</summary>
    public const string DeadLetterQueueSuffix = ".dead";

    /// <summary>20.</summary>
    public const int DeliveryLimit = 20;

    /// <summary>4 (phase (d) of the benchmark harness: 0.90-0.97x of raw with 4, 0.82-0.92x with 2; docs/benchmarks.md).</summary>
    public const int PublishChannels = 4;

    /// <summary>256.</summary>
    public const int MaxUnconfirmedPublishesPerChannel = 256;

    /// <summary>10,000.</summary>
    public const int MaxBufferedPublishes = 10_000;

    /// <summary>RabbitMQ's default <c>consumer_timeout</c>: 30 minutes.</summary>
    public static readonly TimeSpan ConsumerTimeout = TimeSpan.FromMinutes(30);

    /// <summary>30 s.</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(30);

    /// <summary>30 s.</summary>
    public static readonly TimeSpan PublishRetryTimeout = TimeSpan.FromSeconds(30);

    /// <summary>1 s.</summary>
    public static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(1);
}
