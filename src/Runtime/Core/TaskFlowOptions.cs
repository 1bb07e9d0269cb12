using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TaskFlow.Infrastructure;

namespace TaskFlow;

/// <summary>
/// What TaskFlow does with tasks, whatever carries them: the default queue, retry policies, eager mode and the
/// serializer. Bound from the <c>TaskFlow</c> configuration section by <c>AddTaskFlow(configuration)</c>; validated at
/// start-up. The broker's settings are <c>RabbitMqOptions</c> (<c>UseRabbitMq</c>).
/// </summary>
public sealed class TaskFlowOptions
{
    /// <summary>The queue of tasks that do not name one.</summary>
    /// <value>Default <c>default</c>.</value>
    public string DefaultQueue { get; set; } = TaskFlowDefaults.DefaultQueue;

    /// <summary>The retry policy of tasks without <see cref="RetryAttribute"/>.</summary>
    /// <value>Default: no retries (a failure is dead-lettered at once), a new <see cref="RetryPolicy.None"/> per options object.</value>
    public RetryPolicy DefaultRetryPolicy { get; set; } = RetryPolicy.None;

    /// <summary>Retry policies by task name; they win over <see cref="RetryAttribute"/> and <see cref="DefaultRetryPolicy"/>.</summary>
    public IDictionary<string, RetryPolicy> RetryPolicies { get; } = new Dictionary<string, RetryPolicy>(StringComparer.Ordinal);

    /// <summary>
    /// Run tasks inline instead of sending them (development and tests). Arguments still make a full
    /// JSON round trip, so whatever would fail on the wire fails here too. No transport is needed.
    /// </summary>
    /// <value>Default <c>false</c>.</value>
    public bool Eager { get; set; }

    /// <summary>
    /// Lets long-running tasks (<c>[Task(LongRunning = true)]</c>, or a time limit beyond the broker's consumer timeout)
    /// run without a state store, as plain tasks: their message stays unacked while they run, so RabbitMQ's
    /// <c>consumer_timeout</c> closes the channel and the task runs again. Without this the worker refuses to start.
    /// </summary>
    /// <value>Default <c>false</c>.</value>
    public bool AllowLongRunningWithoutStateStore { get; set; }

    /// <summary>
    /// Serializer settings for task arguments. Add a source-generated <c>JsonSerializerContext</c> to
    /// <see cref="JsonSerializerOptions.TypeInfoResolverChain"/> for reflection-free serialization of your argument types.
    /// </summary>
    /// <value>Default: <see cref="JsonSerializerDefaults.Web"/> with the reflection-based resolver.</value>
    public JsonSerializerOptions SerializerOptions { get; set; } = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    internal RetryPolicy RetryPolicyOf(TaskDescriptor task) =>
        RetryPolicies.TryGetValue(task.Name, out var policy) ? policy : task.RetryPolicy ?? DefaultRetryPolicy;
}
