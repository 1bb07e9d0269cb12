using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace TaskFlow;

/// <summary>How TaskFlow connects, names its topology and sends tasks. Validated at start-up.</summary>
public sealed class TaskFlowOptions
{
    /// <summary>AMQP URI of the broker. Default <c>amqp://guest:guest@127.0.0.1:5672/</c>.</summary>
    public Uri ConnectionUri { get; set; } = new("amqp://guest:guest@127.0.0.1:5672/");

    /// <summary>Name of this client in the broker's connection list. Default: the entry assembly name.</summary>
    public string? ClientName { get; set; }

    /// <summary>The durable direct exchange tasks are published to. Default <c>taskflow</c>.</summary>
    public string ExchangeName { get; set; } = "taskflow";

    /// <summary>The durable direct exchange dead letters go to. Default <c>taskflow.dlx</c>.</summary>
    public string DeadLetterExchangeName { get; set; } = "taskflow.dlx";

    /// <summary>
    /// Prefix of the delay levels (<c>{prefix}.00</c> … <c>{prefix}.27</c>, exchanges and quorum queues) and of the
    /// delivery exchange <c>{prefix}.delivery</c>. Shared by every TaskFlow queue of the virtual host. Default <c>taskflow.delay</c>.
    /// </summary>
    public string DelayExchangePrefix { get; set; } = "taskflow.delay";

    /// <summary>The queue of tasks that do not name one. Default <c>default</c>.</summary>
    public string DefaultQueue { get; set; } = "default";

    /// <summary>Suffix of each queue's dead-letter queue. Default <c>.dead</c> (queue <c>emails</c> -> <c>emails.dead</c>).</summary>
    public string DeadLetterQueueSuffix { get; set; } = ".dead";

    /// <summary>The RabbitMQ queue type of TaskFlow queues. Default <see cref="TaskFlow.QueueType.Quorum"/>.</summary>
    public QueueType QueueType { get; set; } = QueueType.Quorum;

    /// <summary>Per-queue overrides of <see cref="QueueType"/> (e.g. a classic queue shared with Celery 5.2 workers, which use global QoS).</summary>
    public IDictionary<string, QueueType> QueueTypes { get; } = new Dictionary<string, QueueType>(StringComparer.Ordinal);

    /// <summary>
    /// Quorum queues only: after this many deliveries of one message (e.g. it crashes the worker each time)
    /// the broker dead-letters it. Default 20.
    /// </summary>
    public int DeliveryLimit { get; set; } = 20;

    /// <summary>
    /// Declare the exchanges and queues before first use (idempotent). Default <c>true</c>. Turn off when an
    /// operator manages topology; a task sent to a queue that does not exist then fails as unroutable.
    /// </summary>
    public bool DeclareTopology { get; set; } = true;

    /// <summary>Channels used for publishing, each with its own confirm window. Default 2.</summary>
    public int PublishChannels { get; set; } = 2;

    /// <summary>Unconfirmed publishes allowed per channel before senders wait. Default 256.</summary>
    public int MaxUnconfirmedPublishesPerChannel { get; set; } = 256;

    /// <summary>How long a publish may wait for the broker's confirm. Default 30 s.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The retry policy of tasks without <see cref="RetryAttribute"/>. Default <see cref="RetryPolicy.None"/>: failures are dead-lettered at once.</summary>
    public RetryPolicy DefaultRetryPolicy { get; set; } = RetryPolicy.None;

    /// <summary>Retry policies by task name; they win over <see cref="RetryAttribute"/> and <see cref="DefaultRetryPolicy"/>.</summary>
    public IDictionary<string, RetryPolicy> RetryPolicies { get; } = new Dictionary<string, RetryPolicy>(StringComparer.Ordinal);

    /// <summary>
    /// While the broker is unreachable, a publish waits and retries for up to this long before the caller
    /// gets a <see cref="TaskPublishException"/>. Default 30 s.
    /// </summary>
    public TimeSpan PublishRetryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many publishes may wait for the broker to come back at once; more fail at once. Default 10,000.</summary>
    public int MaxBufferedPublishes { get; set; } = 10_000;

    /// <summary>
    /// Run tasks inline instead of sending them (development and tests). Arguments still make a full
    /// JSON round trip, so whatever would fail on the wire fails here too.
    /// </summary>
    public bool Eager { get; set; }

    /// <summary>
    /// Serializer settings for task arguments. Default: <see cref="JsonSerializerDefaults.Web"/>. Add a
    /// source-generated <c>JsonSerializerContext</c> to <see cref="JsonSerializerOptions.TypeInfoResolverChain"/>
    /// for reflection-free serialization of your argument types.
    /// </summary>
    public JsonSerializerOptions SerializerOptions { get; set; } = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    internal RetryPolicy RetryPolicyOf(TaskDescriptor task) =>
        RetryPolicies.TryGetValue(task.Name, out var policy) ? policy : task.RetryPolicy ?? DefaultRetryPolicy;

    internal QueueType GetQueueType(string queue) => QueueTypes.TryGetValue(queue, out var type) ? type : QueueType;

    internal string DeadLetterQueueOf(string queue) => queue + DeadLetterQueueSuffix;
}

/// <summary>RabbitMQ queue types TaskFlow declares.</summary>
public enum QueueType
{
    /// <summary>Replicated, durable, with at-least-once dead-lettering and a delivery limit. The default.</summary>
    Quorum,

    /// <summary>Classic durable queue (for consumers that need global QoS, e.g. Celery 5.2 workers).</summary>
    Classic,
}
