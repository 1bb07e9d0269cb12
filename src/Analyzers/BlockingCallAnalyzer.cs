using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TaskFlow.Analyzers;

/// <summary>
/// TF1005: inside a <c>[Task]</c> method (its lambdas and local functions included): <c>Task.Result</c>,
/// <c>ValueTask.Result</c>, <c>Task.Wait()</c>, <c>Task.WaitAll/WaitAny</c>, <c>GetAwaiter().GetResult()</c>,
/// <c>Thread.Sleep</c> and <c>SemaphoreSlim.Wait</c>. <c>.Result</c> of a task that was awaited earlier in the method
/// (<c>await t</c>, <c>await Task.WhenAll(t, ...)</c>) or that is read under an <c>IsCompleted</c> check does not block
/// and is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingCallAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.BlockingCallInTask);

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
                block.RegisterOperationAction(context => AnalyzeInvocation(context, symbols, task), OperationKind.Invocation);
                block.RegisterOperationAction(context => AnalyzeResult(context, symbols, task), OperationKind.PropertyReference);
            });
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, TaskFlowSymbols symbols, string task)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        string? call = null;
        string? instead = null;
        if (method.Name == "Sleep" && SymbolEqualityComparer.Default.Equals(type, symbols.Thread))
        {
            call = "Thread.Sleep";
            instead = "use 'await Task.Delay(delay, cancellationToken)'";
        }
        else if (method.Name == "Wait" && !method.IsStatic && symbols.IsTaskLike(type))
        {
            call = "Wait()";
            instead = "await the task instead";
        }
        else if (method.Name is "WaitAll" or "WaitAny" && method.IsStatic && SymbolEqualityComparer.Default.Equals(type, symbols.Task))
        {
            call = "Task." + method.Name;
            instead = "use 'await Task." + (method.Name == "WaitAll" ? "WhenAll" : "WhenAny") + "(...)'";
        }
        else if (method.Name == "GetResult" && symbols.Awaiters.Contains(type.OriginalDefinition))
        {
            call = "GetAwaiter().GetResult()";
            instead = "await the task instead";
        }
        else if (method.Name == "Wait" && SymbolEqualityComparer.Default.Equals(type, symbols.SemaphoreSlim))
        {
            call = "SemaphoreSlim.Wait";
            instead = "use 'await semaphore.WaitAsync(cancellationToken)'";
        }

        if (call is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BlockingCallInTask, invocation.Syntax.GetLocation(), call, task, instead));
        }
    }

    private static void AnalyzeResult(OperationAnalysisContext context, TaskFlowSymbols symbols, string task)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (reference.Property.Name != "Result" || reference.Property.IsStatic || !symbols.IsTaskLike(reference.Property.ContainingType)
            || IsKnownCompleted(reference))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BlockingCallInTask, reference.Syntax.GetLocation(), ".Result", task, "await the task instead"));
    }

    /// <summary>Whether the task whose Result is read is a local or parameter awaited earlier, or checked with IsCompleted*.</summary>
    private static bool IsKnownCompleted(IPropertyReferenceOperation reference)
    {
        var instance = reference.Instance;
        while (instance is IConversionOperation conversion)
        {
            instance = conversion.Operand;
        }

        var target = instance switch
        {
            ILocalReferenceOperation local => (ISymbol)local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IFieldReferenceOperation field => field.Field,
            _ => null,
        };
        if (target is null)
        {
            return instance is IInvocationOperation { TargetMethod.Name: "FromResult" };
        }

        var root = reference.Parent;
        while (root?.Parent is not null)
        {
            root = root.Parent;
        }

        var position = reference.Syntax.SpanStart;
        foreach (var operation in root!.Descendants())
        {
            if (operation.Syntax.SpanStart >= position)
            {
                continue;
            }

            if (operation is IAwaitOperation awaited && awaited.Operation.DescendantsAndSelf().Any(inner => Refers(inner, target)))
            {
                return true;
            }

            if (operation is IPropertyReferenceOperation { Property.Name: "IsCompleted" or "IsCompletedSuccessfully" } check && Refers(check.Instance, target)
                && IsConditionAround(check, reference))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Refers(IOperation? operation, ISymbol target)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        var symbol = operation switch
        {
            ILocalReferenceOperation local => (ISymbol)local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IFieldReferenceOperation field => field.Field,
            _ => null,
        };
        return SymbolEqualityComparer.Default.Equals(symbol, target);
    }

    private static bool IsConditionAround(IOperation check, IOperation reference)
    {
        for (var parent = check.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IConditionalOperation conditional)
            {
                return conditional.Syntax.Span.Contains(reference.Syntax.Span);
            }
        }

        return false;
    }
}
