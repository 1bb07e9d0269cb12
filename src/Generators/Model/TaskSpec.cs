namespace TaskFlow.Generators.Model;

/// <summary>Everything the emitter needs to generate one task. Plain values only: no symbols, syntax or locations.</summary>
/// <param name="Container">The type that declares the task method.</param>
/// <param name="MethodName">The method name as declared (no <c>@</c>), used to name generated members.</param>
/// <param name="MethodIdentifier">The method name as an identifier (escaped if it is a keyword).</param>
/// <param name="TaskName">The wire name.</param>
/// <param name="Queue">The configured queue, or <c>null</c>.</param>
/// <param name="MethodDisplay">The method for logs, e.g. <c>Signup.SignupTasks.SendSms(int)</c>.</param>
/// <param name="IsStatic">Whether the method is static (otherwise the container is resolved from DI).</param>
/// <param name="ReturnKind">How the invoker handles the return value.</param>
/// <param name="ResultType">The result type (<c>T</c> of <c>T</c>, <c>Task&lt;T&gt;</c> or <c>ValueTask&lt;T&gt;</c>), <c>global::</c>-qualified; <c>null</c> when there is none.</param>
/// <param name="CanReferenceMethodInDocs">Whether the method name is unique in its type, so that a <c>cref</c> to it is unambiguous.</param>
/// <param name="ProxyIsPublic">Whether every argument and result type is public, so that the proxy can be public.</param>
/// <param name="Parameters">All parameters in declaration order.</param>
/// <param name="SoftTimeLimit">From <c>[Task(SoftTimeLimitSeconds)]</c>: a positive, finite number of seconds, or <c>null</c> for none.</param>
/// <param name="TimeLimit">From <c>[Task(TimeLimitSeconds)]</c>: a positive, finite number of seconds, or <c>null</c> for none.</param>
/// <param name="Retry">From <c>[Retry]</c>, or <c>null</c> when the method has none.</param>
/// <param name="EntityKey">From <c>[Task(EntityKey)]</c>, or <c>null</c> when the task declares none.</param>
/// <param name="IgnoreResult">From <c>[Task(IgnoreResult)]</c>, or <c>null</c> when not set.</param>
/// <param name="LongRunning">From <c>[Task(LongRunning = true)]</c>: the task runs in lease mode.</param>
/// <param name="LogSummary">From <c>[Task(LogSummary)]</c>: <c>false</c> leaves out the task's summary log line (default <c>true</c>).</param>
/// <param name="MaxConcurrency">From <c>[Task(MaxConcurrency)]</c>: runs allowed at once across workers, per concurrency key; 0 for no limit.</param>
/// <param name="ConcurrencyKey">From <c>[Task(ConcurrencyKey)]</c>, or <c>null</c>.</param>
/// <param name="Unique">From <c>[Task(Unique, UniqueFor, UniqueScope)]</c>, or <c>null</c> when the task is not unique.</param>
/// <param name="Priority">From <c>[Task(Priority)]</c>: the AMQP priority of its messages when a call sets none; 0 for none.</param>
internal sealed record TaskSpec(
    ContainerSpec Container,
    string MethodName,
    string MethodIdentifier,
    string TaskName,
    string? Queue,
    string MethodDisplay,
    bool IsStatic,
    ReturnKind ReturnKind,
    string? ResultType,
    bool CanReferenceMethodInDocs,
    bool ProxyIsPublic,
    EquatableArray<ParameterSpec> Parameters,
    double? SoftTimeLimit,
    double? TimeLimit,
    RetrySpec? Retry,
    EntityKeySpec? EntityKey,
    bool? IgnoreResult,
    bool LongRunning,
    bool LogSummary,
    int Priority,
    int MaxConcurrency,
    EntityKeySpec? ConcurrencyKey,
    EquatableArray<PeriodicSpec> Periodic = default,
    UniqueSpec? Unique = null)
{
    /// <summary>From <c>[Task(RateLimit, RateLimitKey, RateLimitBurst)]</c>, or <c>null</c> when the task declares no rate limit.</summary>
    public RateLimitSpec? RateLimit { get; init; }

    /// <summary>From <c>[Task(Ordered = true, OrderKey)]</c>, or <c>null</c> when the task is not ordered.</summary>
    public OrderSpec? Order { get; init; }

    /// <summary>E.g. <c>global::Signup.SignupTasks.Client.SendWelcomeEmailDescriptor</c>.</summary>
    public string DescriptorReference => Container.ClientFullyQualifiedName + "." + MethodName + "Descriptor";
}
