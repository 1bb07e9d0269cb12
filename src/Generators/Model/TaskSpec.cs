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
/// <param name="SoftTimeLimit">From <c>[Task(SoftTimeLimitSeconds)]</c>: a <c>TimeSpan</c> expression, or <c>null</c> for none.</param>
/// <param name="TimeLimit">From <c>[Task(TimeLimitSeconds)]</c>: a <c>TimeSpan</c> expression, or <c>null</c> for none.</param>
/// <param name="Retry">From <c>[Retry]</c>, or <c>null</c> when the method has none.</param>
/// <param name="EntityKey">From <c>[Task(EntityKey)]</c>, or <c>null</c> when the task declares none.</param>
/// <param name="IgnoreResult">From <c>[Task(IgnoreResult)]</c>, or <c>null</c> when not set.</param>
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
    string? SoftTimeLimit,
    string? TimeLimit,
    RetrySpec? Retry,
    EntityKeySpec? EntityKey,
    bool? IgnoreResult)
{
    /// <summary>E.g. <c>global::Signup.SignupTasks.Client.SendWelcomeEmailDescriptor</c>.</summary>
    public string DescriptorReference => Container.ClientFullyQualifiedName + "." + MethodName + "Descriptor";
}

/// <summary>How a task method returns.</summary>
internal enum ReturnKind
{
    /// <summary><c>void</c>.</summary>
    Void,

    /// <summary>A value of type <c>T</c>, returned synchronously.</summary>
    Value,

    /// <summary><see cref="System.Threading.Tasks.Task"/>.</summary>
    Task,

    /// <summary><c>Task&lt;T&gt;</c>.</summary>
    TaskOfT,

    /// <summary><c>ValueTask</c>.</summary>
    ValueTask,

    /// <summary><c>ValueTask&lt;T&gt;</c>.</summary>
    ValueTaskOfT,
}

/// <summary>The retry policy from <c>[Retry]</c>; every value is a C# expression, <c>null</c> when not set (then <c>RetryPolicy</c>'s default, which is the attribute's, applies).</summary>
/// <param name="MaxRetries">How many retries after the first attempt.</param>
/// <param name="Backoff">E.g. <c>global::TaskFlow.RetryBackoff.Fixed</c>.</param>
/// <param name="Delay">A <c>TimeSpan</c> expression.</param>
/// <param name="MaxDelay">A <c>TimeSpan</c> expression.</param>
/// <param name="Jitter">Whether to add full jitter.</param>
/// <param name="Schedule"><c>TimeSpan</c> expressions.</param>
/// <param name="RetryOn">Exception types that are retried, <c>global::</c>-qualified; empty for all.</param>
/// <param name="DoNotRetryOn">Exception types that are never retried, <c>global::</c>-qualified.</param>
internal sealed record RetrySpec(
    int MaxRetries,
    string? Backoff,
    string? Delay,
    string? MaxDelay,
    bool? Jitter,
    EquatableArray<string>? Schedule,
    EquatableArray<string> RetryOn,
    EquatableArray<string> DoNotRetryOn);

/// <summary>The entity key a task declares with <c>[Task(EntityKey = "note:{noteId}")]</c>.</summary>
/// <param name="Template">The template as written, for the generated documentation.</param>
/// <param name="Expression">
/// A C# <c>string</c> expression over the proxy's argument identifiers that formats the key with the invariant
/// culture, e.g. <c>global::System.String.Create(global::System.Globalization.CultureInfo.InvariantCulture, $"note:{noteId}")</c>.
/// </param>
internal sealed record EntityKeySpec(string Template, string Expression);
