using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TaskFlow.Shared;

namespace TaskFlow.Analyzers;

/// <summary>
/// TF1006: a <c>[Task]</c> method (its lambdas and local functions included) that writes a static field or property:
/// assignments, compound assignments, <c>++</c>/<c>--</c>, <c>ref</c> arguments (<c>Interlocked.Increment(ref s_count)</c>),
/// writes to elements or members of an object held in a static field, and mutating calls (<c>Add</c>, <c>Remove</c>,
/// <c>Clear</c>...) on a static collection. Not reported: reads, <c>const</c>, <c>[ThreadStatic]</c>,
/// <c>AsyncLocal&lt;T&gt;</c>/<c>ThreadLocal&lt;T&gt;</c>, and the thread-safe collections of
/// System.Collections.Concurrent (per-process caches such as <c>ConcurrentDictionary.GetOrAdd</c>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StaticStateAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableHashSet<string> s_mutatingMethods = ImmutableHashSet.Create(
        "Add", "AddRange", "Insert", "InsertRange", "Remove", "RemoveAt", "RemoveAll", "RemoveRange", "RemoveWhere", "Clear",
        "Enqueue", "Dequeue", "TryDequeue", "Push", "Pop", "TryPop", "TryAdd", "Sort", "Reverse", "AddFirst", "AddLast",
        "RemoveFirst", "RemoveLast", "UnionWith", "ExceptWith", "IntersectWith", "SymmetricExceptWith", "Set", "SetAll");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.StaticStateWrittenByTask);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var symbols = TaskFlowSymbols.Create(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            start.RegisterOperationBlockStartAction(block =>
            {
                if (!symbols.IsTaskMethod(block.OwningSymbol))
                {
                    return;
                }

                var task = block.OwningSymbol.ContainingType.Name + "." + block.OwningSymbol.Name;
                block.RegisterOperationAction(
                    context => AnalyzeWrite(context, symbols, task, ((IAssignmentOperation)context.Operation).Target),
                    OperationKind.SimpleAssignment,
                    OperationKind.CompoundAssignment,
                    OperationKind.CoalesceAssignment);
                block.RegisterOperationAction(
                    context => AnalyzeWrite(context, symbols, task, ((IIncrementOrDecrementOperation)context.Operation).Target),
                    OperationKind.Increment,
                    OperationKind.Decrement);
                block.RegisterOperationAction(context => AnalyzeArgument(context, symbols, task), OperationKind.Argument);
                block.RegisterOperationAction(context => AnalyzeMutatingCall(context, symbols, task), OperationKind.Invocation);
            });
        });
    }

    private static void AnalyzeWrite(OperationAnalysisContext context, TaskFlowSymbols symbols, string task, IOperation target)
    {
        // A declaration's initializer is a write to a local; deconstruction targets are tuples of locals.
        var root = FindStaticRoot(target, symbols);
        if (root is not null)
        {
            Report(context, context.Operation, task, root);
        }
    }

    private static void AnalyzeArgument(OperationAnalysisContext context, TaskFlowSymbols symbols, string task)
    {
        var argument = (IArgumentOperation)context.Operation;
        if (argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out)
        {
            var root = FindStaticRoot(argument.Value, symbols);
            if (root is not null)
            {
                Report(context, argument, task, root);
            }
        }
    }

    private static void AnalyzeMutatingCall(OperationAnalysisContext context, TaskFlowSymbols symbols, string task)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.Instance is null || invocation.TargetMethod.IsStatic || !s_mutatingMethods.Contains(invocation.TargetMethod.Name))
        {
            return;
        }

        var type = invocation.TargetMethod.ContainingType;
        if (IsThreadSafeCollection(type) || !IsCollection(type))
        {
            return;
        }

        var root = FindStaticRoot(invocation.Instance, symbols);
        if (root is not null)
        {
            Report(context, invocation, task, root);
        }
    }

    private static void Report(OperationAnalysisContext context, IOperation write, string task, ISymbol root) =>
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.StaticStateWrittenByTask,
            write.Syntax.GetLocation(),
            task,
            root is IFieldSymbol ? "field" : "property",
            root.ContainingType.Name + "." + root.Name));

    /// <summary>The static field or property that <paramref name="target"/> writes into, directly or through members and elements.</summary>
    private static ISymbol? FindStaticRoot(IOperation? target, TaskFlowSymbols symbols)
    {
        while (target is not null)
        {
            switch (target)
            {
                case IConversionOperation conversion:
                    target = conversion.Operand;
                    break;
                case IFieldReferenceOperation field when field.Field.IsStatic:
                    return field.Field.IsConst || IsExempt(field.Field, field.Field.Type, symbols) ? null : field.Field;
                case IFieldReferenceOperation field:
                    target = field.Instance;
                    break;
                case IPropertyReferenceOperation property when property.Property.IsStatic:
                    return IsExempt(property.Property, property.Property.Type, symbols) ? null : property.Property;
                case IPropertyReferenceOperation property:
                    if (property.Instance?.Type is { } instanceType && (IsThreadSafeCollection(instanceType) || IsFlowLocal(instanceType)))
                    {
                        return null;
                    }

                    target = property.Instance;
                    break;
                case IArrayElementReferenceOperation element:
                    target = element.ArrayReference;
                    break;
                default:
                    return null;
            }
        }

        return null;
    }

    private static bool IsExempt(ISymbol member, ITypeSymbol type, TaskFlowSymbols symbols) =>
        IsFlowLocal(type)
        || (member is IFieldSymbol && symbols.ThreadStaticAttribute is { } threadStatic
            && member.GetAttributes().Any(attribute => SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, threadStatic)));

    private static bool IsFlowLocal(ITypeSymbol type) =>
        TypeNames.IsType(type, "System.Threading", "AsyncLocal`1") || TypeNames.IsType(type, "System.Threading", "ThreadLocal`1");

    private static bool IsThreadSafeCollection(ITypeSymbol type) =>
        TypeNames.IsInNamespace(type, "System.Collections.Concurrent") || TypeNames.IsInNamespace(type, "System.Collections.Immutable");

    private static bool IsCollection(ITypeSymbol type) =>
        type.AllInterfaces.Any(static candidate =>
            candidate.OriginalDefinition.SpecialType is SpecialType.System_Collections_Generic_ICollection_T or SpecialType.System_Collections_IEnumerable);
}
