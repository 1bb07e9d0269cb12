using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace TaskFlow.Generators;

/// <summary>The diagnostics of the TaskFlow generator. Every one is an error: the task it concerns is not generated.</summary>
internal static class DiagnosticDescriptors
{
    public const string Category = "TaskFlow.Generator";

    private const string HelpLinkBase = "https://github.com/taskflow-dotnet/taskflow/blob/main/docs/diagnostics/";

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Create(
        DiagnosticIds.ContainingTypeNotPartial,
        "Task containing type must be partial",
        "The type '{0}' containing task method '{1}' must be declared partial, and so must every type enclosing it, so that the generated Client class can be added to it",
        "The generator adds a nested Client class, the task descriptor and the invoker to the type that declares a [Task] method; that type and every type it is nested in must be declared partial.");

    public static readonly DiagnosticDescriptor GenericTaskMethod = Create(
        DiagnosticIds.GenericTaskMethod,
        "Task method must not be generic",
        "Task method '{0}' is generic; a task's arguments are read from the message by their declared types, so task methods cannot have type parameters",
        "A task's arguments are deserialized from the message by their declared types, which a generic method does not have; declare one task per concrete type instead.");

    public static readonly DiagnosticDescriptor UnsupportedParameter = Create(
        DiagnosticIds.UnsupportedParameter,
        "Task parameter is not supported",
        "Parameter '{0}' of task method '{1}' is not supported: {2}",
        "Task parameters are either message arguments, which must be values that can be serialized, or injected services; ref, out, in and ref readonly parameters, pointers and ref structs (such as Span<T>) can be neither.");

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Create(
        DiagnosticIds.UnsupportedReturnType,
        "Task return type is not supported",
        "Task method '{0}' returns '{1}', which is not supported ({2}); return void, a value, Task, Task<T>, ValueTask or ValueTask<T>",
        "The generated invoker awaits Task and ValueTask and stores returned values as the task result; async void methods cannot be awaited, and ref returns, pointers, ref structs, async streams and other awaitables are not supported.");

    public static readonly DiagnosticDescriptor GenericContainingType = Create(
        DiagnosticIds.GenericContainingType,
        "Task containing type must not be generic",
        "The type '{0}' containing task method '{1}' is generic or nested in a generic type; declare tasks in a non-generic type",
        "A task has one descriptor and one wire name, which a generic type (one type per type argument) cannot give it.");

    public static readonly DiagnosticDescriptor DuplicateTaskName = Create(
        DiagnosticIds.DuplicateTaskName,
        "Task name is used more than once",
        "Task name '{0}' of task method '{1}' is also used by task method '{2}'; give one of them another name with [Task(Name = \"...\")]",
        "A worker finds the task to run by its wire name, so task names must be unique; two tasks with one name could not both be registered.");

    public static readonly DiagnosticDescriptor InaccessibleContainingType = Create(
        DiagnosticIds.InaccessibleContainingType,
        "Task containing type must be accessible to its assembly",
        "The type '{0}' containing task method '{1}' is {2}; the type and every type enclosing it must be internal or public so that the generated registration can reach its Client and descriptor",
        "The generated Add{Assembly}Tasks() registration lives in namespace TaskFlow and refers to the containing type's Client class and task descriptors; private, protected, private protected and file-local types are not reachable from there.");

    public static readonly DiagnosticDescriptor InvalidTaskAttributeValue = Create(
        DiagnosticIds.InvalidTaskAttributeValue,
        "Task attribute value is invalid",
        "[Task] {0} = {1} of task method '{2}' is invalid: {3}",
        "Task names and queue names travel in AMQP headers and routing keys; they must not be empty, whitespace or contain whitespace or control characters, and queue names must be at most 255 UTF-8 bytes and must not start with the reserved prefix 'amq.'. Time limits must be finite and not negative (0 means none), and the soft limit must not exceed the hard one. A rate limit is n/s, n/m or n/h.");

    public static readonly DiagnosticDescriptor DuplicateTaskMemberName = Create(
        DiagnosticIds.DuplicateTaskMemberName,
        "Tasks in one type must generate distinct members",
        "Task method '{0}' and {1} both generate a member named '{2}' in the Client class of '{3}'; give tasks in one type distinct method names (overloads are not supported)",
        "Each task gets members named after its method in the containing type's Client class (the proxy property, {Method}Proxy, {Method}Arguments, {Method}Descriptor and Invoke{Method}); two task methods with one name, or whose generated names collide, cannot both have them.");

    public static readonly DiagnosticDescriptor TaskNotInvocable = Create(
        DiagnosticIds.TaskNotInvocable,
        "Task method cannot be invoked by the generated code",
        "Task method '{0}' cannot be invoked by the generated invoker: {1}",
        "The generated invoker calls a static task method directly and an instance task method on an instance of the containing type resolved from the task's DI scope (registered with TryAddScoped); the containing type must therefore be a non-abstract class, and the method must not be abstract or an explicit interface implementation.");

    public static readonly DiagnosticDescriptor ClientMemberConflict = Create(
        DiagnosticIds.ClientMemberConflict,
        "Containing type already has a member named Client",
        "The type '{0}' containing task method '{1}' already declares a member named 'Client' that is not a partial class; the generated typed client needs that name",
        "The generator adds a nested 'public sealed partial class Client' to every type with tasks; another member with that name (a property, a method, a non-partial or non-class type) conflicts with it. A 'partial class Client' declared to extend the generated one is allowed.");

    public static readonly DiagnosticDescriptor InaccessibleArgumentType = Create(
        DiagnosticIds.InaccessibleArgumentType,
        "Task argument and result types must be accessible to their assembly",
        "The type '{0}' of {1} of task method '{2}' is {3}; message argument and result types appear in the generated Client and must be internal or public",
        "Message argument types are parameters of the generated DelayAsync/ApplyAsync methods and result types appear in TaskHandle<T>; a private, protected or file-local type cannot appear there.");

    public static readonly DiagnosticDescriptor InvalidRetryAttributeValue = Create(
        DiagnosticIds.InvalidRetryAttributeValue,
        "Retry attribute value is invalid",
        "[Retry] {0} of task method '{1}' is invalid: {2}",
        "The generator turns [Retry] into the task's RetryPolicy; maxRetries must be between 0 and 1000, delays and schedule entries must be finite and not negative, and RetryOn/DoNotRetryOn must list exception types.");

    public static readonly DiagnosticDescriptor EntityKeyPlaceholderNotAnArgument = Create(
        DiagnosticIds.EntityKeyPlaceholderNotAnArgument,
        "Task entity key placeholder does not name a message argument",
        "Placeholder '{0}' in [Task] {4} of task method '{1}' {2}; a placeholder names a message argument of the task ({3})",
        "The generated DelayAsync/ApplyAsync fill SendOptions.EntityKey from the template in [Task(EntityKey = ...)], replacing each {name} with the value of the message argument of that name; a name that is not a parameter, or names an injected parameter (a service, the TaskContext or the CancellationToken, which the sender does not have), cannot be filled in.");

    public static readonly DiagnosticDescriptor MalformedEntityKey = Create(
        DiagnosticIds.MalformedEntityKey,
        "Task entity key template is malformed",
        "[Task] {3} = {0} of task method '{1}' is malformed: {2}",
        "An entity key template is text with placeholders: {name} is replaced by the message argument 'name', {{ and }} stand for literal braces. A placeholder holds a parameter name only (no format, expression or spaces); every '{' needs its '}', the template must not be empty, and its fixed text must fit the 255 characters of an entity key.");

    public static readonly DiagnosticDescriptor EntityKeyPlaceholderType = Create(
        DiagnosticIds.EntityKeyPlaceholderType,
        "Task entity key placeholder has a type that cannot be part of a key",
        "Placeholder '{0}' in [Task] {5} of task method '{1}' is parameter '{2}' of type '{3}', which cannot be part of a key: {4}",
        "An entity key names one entity, so each placeholder must be a value with one stable text: a string, char, bool, integer type, decimal, Guid, enum or DateOnly, not nullable. Collections, objects, floating-point numbers and times are not; put the entity's id in a parameter of its own.");

    private static readonly ImmutableDictionary<string, DiagnosticDescriptor> s_byId = ImmutableDictionary.CreateRange(
        StringComparer.Ordinal,
        new[]
        {
            ContainingTypeNotPartial,
            GenericTaskMethod,
            UnsupportedParameter,
            UnsupportedReturnType,
            GenericContainingType,
            DuplicateTaskName,
            InaccessibleContainingType,
            InvalidTaskAttributeValue,
            DuplicateTaskMemberName,
            TaskNotInvocable,
            ClientMemberConflict,
            InaccessibleArgumentType,
            InvalidRetryAttributeValue,
            EntityKeyPlaceholderNotAnArgument,
            MalformedEntityKey,
            EntityKeyPlaceholderType,
        }.ToImmutableDictionary(d => d.Id, StringComparer.Ordinal));

    /// <summary>All descriptors, by id.</summary>
    public static ImmutableDictionary<string, DiagnosticDescriptor> ById => s_byId;

    public static DiagnosticDescriptor Find(string id) => s_byId[id];

    private static DiagnosticDescriptor Create(string id, string title, string message, string description) =>
        new(
            id,
            title,
            message,
            Category,
            DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            description: description,
            helpLinkUri: HelpLinkBase + id + ".md");
}
