using System;
using System.Collections.Generic;

namespace TaskFlow.RabbitMq;

/// <summary>
/// How TaskFlow reaches RabbitMQ, names its topology and publishes. Bound from the <c>TaskFlow:RabbitMq</c> section by
/// <c>UseRabbitMq(configuration)</c>; validated at start-up. See docs/configuration.md.
/// </summary>
public sealed class RabbitMqOptions
{
    /// <summary>
    /// AMQP URI of the broker (<c>amqp://</c> or <c>amqps://</c>): host, port, virtual host and, if <see cref="UserName"/>
    /// and <see cref="Password"/> are not set, the credentials. Ignored for the hosts when <see cref="Endpoints"/> is set.
    /// </summary>
    /// <value>Default <c>amqp://guest:guest@127.0.0.1:5672/</c>.</value>
    public Uri ConnectionUri { get; set; } = new(RabbitMqDefaults.ConnectionUri);

    /// <summary>
    /// The nodes of a cluster, as <c>host</c> or <c>host:port</c>: the client connects to the first that answers and
    /// recovers to any of them. Empty: the host of <see cref="ConnectionUri"/>.
    /// </summary>
    public IList<string> Endpoints { get; } = new List<string>();

    /// <summary>The user, apart from the URI (e.g. from a secret store). <c>null</c>: the URI's user.</summary>
    public string? UserName { get; set; }

    /// <summary>The password, apart from the URI. <c>null</c>: the URI's password.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// The RabbitMQ management HTTP API (<c>http://</c> or <c>https://</c>), used by <see cref="RabbitMqQueueAdmin"/> for queue
    /// statistics (rates, unacknowledged messages, the oldest message's age) and to find TaskFlow's queues; signed in with
    /// the AMQP credentials. Where it cannot be reached, statistics fall back to passive declares (depth and consumers).
    /// </summary>
    /// <value>Default <c>null</c>: derived from the broker's host, <c>http://{host}:15672/</c> (<c>https://{host}:15671/</c> with TLS).</value>
    public Uri? ManagementUri { get; set; }

    /// <summary>TLS to the broker. Also switched on by an <c>amqps://</c> URI.</summary>
    public RabbitMqTlsOptions Tls { get; } = new();

    /// <summary>Name of this client in the broker's connection list.</summary>
    /// <value>Default: the entry assembly's name.</value>
    public string? ClientName { get; set; }

    /// <summary>The durable direct exchange tasks are published to.</summary>
    /// <value>Default <c>taskflow</c>.</value>
    public string ExchangeName { get; set; } = RabbitMqDefaults.ExchangeName;

    /// <summary>The durable direct exchange dead letters go to.</summary>
    /// <value>Default <c>taskflow.dlx</c>.</value>
    public string DeadLetterExchangeName { get; set; } = RabbitMqDefaults.DeadLetterExchangeName;

    /// <summary>
    /// Prefix of the delay levels (<c>{prefix}.00</c> … <c>{prefix}.27</c>, exchanges and quorum queues) and of the
    /// delivery exchange <c>{prefix}.delivery</c>. Shared by every TaskFlow queue of the virtual host.
    /// </summary>
    /// <value>Default <c>taskflow.delay</c>.</value>
    public string DelayExchangePrefix { get; set; } = RabbitMqDefaults.DelayExchangePrefix;

    /// <summary>Suffix of each queue's dead-letter queue (queue <c>emails</c> -> <c>emails.dead</c>).</summary>
    /// <value>Default <c>.dead</c>.</value>
    public string DeadLetterQueueSuffix { get; set; } = RabbitMqDefaults.DeadLetterQueueSuffix;

    /// <summary>The RabbitMQ queue type of TaskFlow queues.</summary>
    /// <value>Default <see cref="RabbitMq.QueueType.Quorum"/>.</value>
    public QueueType QueueType { get; set; } = QueueType.Quorum;

    /// <summary>Per-queue overrides of <see cref="QueueType"/> (e.g. a classic queue shared with Celery 5.2 workers, which use global QoS).</summary>
    public IDictionary<string, QueueType> QueueTypes { get; } = new Dictionary<string, QueueType>(StringComparer.Ordinal);

    /// <summary>
    /// Queues that order messages by priority, with their maximum priority (declared as <c>x-max-priority</c>; 1-255,
    /// RabbitMQ advises at most 10): a message's priority comes from <c>SendOptions.Priority</c> or <c>[Task(Priority)]</c>,
    /// capped by the broker at this maximum. Classic queues only: quorum queues take no maximum and, before RabbitMQ 4.0,
    /// have no priorities at all (on 4.0 and later they honour a message's priority without any setting: 5-255 before 0-4).
    /// Changing it for an existing queue means recreating the queue. See docs/delivery.md#priorities.
    /// </summary>
    /// <value>Default empty: no queue orders by priority.</value>
    public IDictionary<string, byte> MaxPriorities { get; } = new Dictionary<string, byte>(StringComparer.Ordinal);

    /// <summary>
    /// Quorum queues only: after this many failed deliveries of one message (e.g. it crashes the worker each time) the
    /// broker dead-letters it to the queue's dead-letter queue (TaskFlow always declares one, so nothing is dropped).
    /// </summary>
    /// <value>Default 20, RabbitMQ 4's own default.</value>
    public int DeliveryLimit { get; set; } = RabbitMqDefaults.DeliveryLimit;

    /// <summary>
    /// Declare the exchanges and queues before first use (idempotent). Turn off when an operator manages topology; a
    /// task sent to a queue that does not exist then fails as unroutable.
    /// </summary>
    /// <value>Default <c>true</c>.</value>
    public bool DeclareTopology { get; set; } = true;

    /// <summary>
    /// Channels used for publishing, each with its own confirm window (1-64). Each is opened on first use; publishes take
    /// them in turn, and the broker handles each channel in a process of its own, so more of them spread its work.
    /// </summary>
    /// <value>Default 4.</value>
    public int PublishChannels { get; set; } = RabbitMqDefaults.PublishChannels;

    /// <summary>Unconfirmed publishes allowed per channel before senders wait (1-10000).</summary>
    /// <value>Default 256.</value>
    public int MaxUnconfirmedPublishesPerChannel { get; set; } = RabbitMqDefaults.MaxUnconfirmedPublishesPerChannel;

    /// <summary>
    /// The broker's <c>consumer_timeout</c> (set in rabbitmq.conf or per queue by policy; TaskFlow does not change it):
    /// RabbitMQ closes the channel of a consumer that holds a message unacked for longer. TaskFlow runs tasks whose time
    /// limit exceeds it in lease mode (acked when they start; see <c>[Task(LongRunning = true)]</c>) and warns at start-up
    /// about those it cannot. RabbitMQ checks it on its channel tick (every 60 s by default), so it fires up to a minute late.
    /// </summary>
    /// <value>Default 30 minutes, RabbitMQ's own default.</value>
    public TimeSpan ConsumerTimeout { get; set; } = RabbitMqDefaults.ConsumerTimeout;

    /// <summary>
    /// How long a publish may wait for the broker's confirm. The publishes that start within a sixteenth of it (at most
    /// one second) share one timer, so a publish gives up between this and this plus that window after it started.
    /// Also how long a publish waits for a slot in its channel's confirm window (<see cref="MaxUnconfirmedPublishesPerChannel"/>)
    /// and for its channel when one is being opened (a connection the broker has blocked, in a memory or disk alarm, gets no
    /// answer to <c>channel.open</c>); a publish that gives up there was not enqueued. So a send ends within about twice
    /// this. At most 1 day.
    /// </summary>
    /// <value>Default 30 s.</value>
    public TimeSpan PublishTimeout { get; set; } = RabbitMqDefaults.PublishTimeout;

    /// <summary>
    /// While the broker is unreachable, a publish waits and retries for up to this long before the caller gets a
    /// <see cref="TaskPublishException"/>. <see cref="TimeSpan.Zero"/>: fail at once.
    /// </summary>
    /// <value>Default 30 s.</value>
    public TimeSpan PublishRetryTimeout { get; set; } = RabbitMqDefaults.PublishRetryTimeout;

    /// <summary>
    /// After a connection drops, how long automatic recovery waits before each attempt to reconnect (RabbitMQ.Client's
    /// <c>NetworkRecoveryInterval</c>, 5 s there). It bounds how long a worker stops consuming after a drop (a broker
    /// restart, a connection closed by the broker): consumers resume on the recovered connection at once. Between
    /// 100 ms and 5 minutes.
    /// </summary>
    /// <value>Default 1 s.</value>
    public TimeSpan RecoveryInterval { get; set; } = RabbitMqDefaults.RecoveryInterval;

    /// <summary>How many publishes may wait for the broker to come back at once; more fail at once.</summary>
    /// <value>Default 10,000.</value>
    public int MaxBufferedPublishes { get; set; } = RabbitMqDefaults.MaxBufferedPublishes;

    internal QueueType GetQueueType(string queue) => QueueTypes.TryGetValue(queue, out var type) ? type : QueueType;

    internal string DeadLetterQueueOf(string queue) => queue + DeadLetterQueueSuffix;
}
