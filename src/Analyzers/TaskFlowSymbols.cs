using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TaskFlow.Analyzers;

/// <summary>
/// The well-known symbols the analyzers compare against, resolved once per compilation in
/// <c>RegisterCompilationStartAction</c>. <see cref="Create"/> returns <c>null</c> when the compilation does not
/// reference TaskFlow, and the analyzers then register nothing.
/// </summary>
internal sealed class TaskFlowSymbols
{
    private static readonly string[] s_awaiterNames =
    {
        "System.Runtime.CompilerServices.TaskAwaiter",
        "System.Runtime.CompilerServices.TaskAwaiter`1",
        "System.Runtime.CompilerServices.ValueTaskAwaiter`1",
        "System.Runtime.CompilerServices.ValueTaskAwaiter",
        "System.Runtime.CompilerServices.ConfiguredTaskAwaitable+ConfiguredTaskAwaiter",
        "System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1+ConfiguredTaskAwaiter",
        "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable+ConfiguredValueTaskAwaiter",
        "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable`1+ConfiguredValueTaskAwaiter",
    };

    private TaskFlowSymbols(Compilation compilation, INamedTypeSymbol taskAttribute)
    {
        Compilation = compilation;
        TaskAttribute = taskAttribute;
        RetryAttribute = compilation.GetTypeByMetadataName("TaskFlow.RetryAttribute");
        FromServicesAttribute = compilation.GetTypeByMetadataName("TaskFlow.FromServicesAttribute");
        TaskContext = compilation.GetTypeByMetadataName("TaskFlow.TaskContext");
        SendOptions = compilation.GetTypeByMetadataName("TaskFlow.SendOptions");
        RetryPolicy = compilation.GetTypeByMetadataName("TaskFlow.RetryPolicy");
        TaskHandle = compilation.GetTypeByMetadataName("TaskFlow.TaskHandle");
        TaskHandleOfT = compilation.GetTypeByMetadataName("TaskFlow.TaskHandle`1");
        TaskClient = compilation.GetTypeByMetadataName("TaskFlow.ITaskClient");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        TimeSpan = compilation.GetTypeByMetadataName("System.TimeSpan");
        DateTime = compilation.GetTypeByMetadataName("System.DateTime");
        DateTimeOffset = compilation.GetTypeByMetadataName("System.DateTimeOffset");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        Thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
        SemaphoreSlim = compilation.GetTypeByMetadataName("System.Threading.SemaphoreSlim");
        ThreadStaticAttribute = compilation.GetTypeByMetadataName("System.ThreadStaticAttribute");
        TransactionScope = compilation.GetTypeByMetadataName("System.Transactions.TransactionScope");
        TransactionScopeOption = compilation.GetTypeByMetadataName("System.Transactions.TransactionScopeOption");
        DbConnection = compilation.GetTypeByMetadataName("System.Data.Common.DbConnection");
        IDbConnection = compilation.GetTypeByMetadataName("System.Data.IDbConnection");
        Awaiters = s_awaiterNames
            .Select(compilation.GetTypeByMetadataName)
            .Where(static type => type is not null)
            .Select(static type => type!)
            .ToImmutableHashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
    }

    public Compilation Compilation { get; }

    public INamedTypeSymbol TaskAttribute { get; }

    public INamedTypeSymbol? RetryAttribute { get; }

    public INamedTypeSymbol? FromServicesAttribute { get; }

    public INamedTypeSymbol? TaskContext { get; }

    public INamedTypeSymbol? SendOptions { get; }

    public INamedTypeSymbol? RetryPolicy { get; }

    public INamedTypeSymbol? TaskHandle { get; }

    public INamedTypeSymbol? TaskHandleOfT { get; }

    public INamedTypeSymbol? TaskClient { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    public INamedTypeSymbol? TimeSpan { get; }

    public INamedTypeSymbol? DateTime { get; }

    public INamedTypeSymbol? DateTimeOffset { get; }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? TaskOfT { get; }

    public INamedTypeSymbol? ValueTask { get; }

    public INamedTypeSymbol? ValueTaskOfT { get; }

    public INamedTypeSymbol? Thread { get; }

    public INamedTypeSymbol? SemaphoreSlim { get; }

    public INamedTypeSymbol? ThreadStaticAttribute { get; }

    public INamedTypeSymbol? TransactionScope { get; }

    public INamedTypeSymbol? TransactionScopeOption { get; }

    public INamedTypeSymbol? DbConnection { get; }

    public INamedTypeSymbol? IDbConnection { get; }

    public ImmutableHashSet<INamedTypeSymbol> Awaiters { get; }

    public static TaskFlowSymbols? Create(Compilation compilation)
    {
        var taskAttribute = compilation.GetTypeByMetadataName("TaskFlow.TaskAttribute");
        return taskAttribute is null ? null : new TaskFlowSymbols(compilation, taskAttribute);
    }

    /// <summary>Whether <paramref name="method"/> is a <c>[Task]</c> method.</summary>
    public bool IsTaskMethod(ISymbol? method) =>
        method is IMethodSymbol { MethodKind: MethodKind.Ordinary } candidate
        && candidate.GetAttributes().Any(attribute => SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, TaskAttribute));

    public AttributeData? GetTaskAttribute(IMethodSymbol method) =>
        method.GetAttributes().FirstOrDefault(attribute => SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, TaskAttribute));

    public AttributeData? GetRetryAttribute(IMethodSymbol method) =>
        RetryAttribute is null ? null : method.GetAttributes().FirstOrDefault(attribute => SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, RetryAttribute));

    /// <summary>
    /// Whether <paramref name="method"/> sends a task: a generated proxy's <c>DelayAsync</c>/<c>ApplyAsync</c>, or
    /// <c>ITaskClient.SendAsync</c> (on the interface or an implementation).
    /// </summary>
    public bool IsEnqueueMethod(IMethodSymbol method)
    {
        if (EnqueueProxy.IsProxyMethod(method, this))
        {
            return true;
        }

        if (method.Name != "SendAsync" || TaskClient is null)
        {
            return false;
        }

        var type = method.ContainingType;
        return SymbolEqualityComparer.Default.Equals(type, TaskClient)
            || type.AllInterfaces.Any(candidate => SymbolEqualityComparer.Default.Equals(candidate, TaskClient));
    }

    /// <summary>Whether <paramref name="type"/> is <c>ValueTask&lt;TaskHandle&gt;</c> or <c>ValueTask&lt;TaskHandle&lt;T&gt;&gt;</c>.</summary>
    public bool IsPendingHandle(ITypeSymbol type) =>
        type is INamedTypeSymbol { IsGenericType: true } named
        && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, ValueTaskOfT)
        && named.TypeArguments[0] is INamedTypeSymbol handle
        && (SymbolEqualityComparer.Default.Equals(handle, TaskHandle) || SymbolEqualityComparer.Default.Equals(handle.OriginalDefinition, TaskHandleOfT));

    public bool IsTaskLike(ITypeSymbol? type) =>
        type is INamedTypeSymbol named
        && (SymbolEqualityComparer.Default.Equals(named, Task)
            || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, TaskOfT)
            || SymbolEqualityComparer.Default.Equals(named, ValueTask)
            || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, ValueTaskOfT)
            || InheritsFrom(named, Task));

    public static bool InheritsFrom(ITypeSymbol type, ITypeSymbol? baseType)
    {
        if (baseType is null)
        {
            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }
}
