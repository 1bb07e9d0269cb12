using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TaskFlow.Analyzers;

/// <summary>
/// TF1003: <c>DelayAsync</c>/<c>ApplyAsync</c>/<c>SendAsync</c> called as a statement or assigned to a discard
/// (fire-and-forget), also through <c>AsTask()</c> or <c>ConfigureAwait()</c>. TF1012: <c>TaskContext.Retry(...)</c>
/// called without <c>throw</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DiscardedResultAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.EnqueueNotAwaited, DiagnosticDescriptors.RetryNotThrown);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var symbols = TaskFlowSymbols.Create(start.Compilation);
            if (symbols is not null)
            {
                start.RegisterOperationAction(context => Analyze(context, symbols), OperationKind.Invocation);
            }
        });
    }

    private static void Analyze(OperationAnalysisContext context, TaskFlowSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.Name == "Retry" && SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.TaskContext))
        {
            if (IsDiscarded(invocation))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RetryNotThrown, invocation.Syntax.GetLocation(), invocation.Instance?.Syntax.ToString() ?? "context"));
            }

            return;
        }

        if (method.Name is EnqueueProxy.DelayAsync or EnqueueProxy.ApplyAsync or "SendAsync" && symbols.IsEnqueueMethod(method) && IsDiscarded(invocation))
        {
            var name = EnqueueProxy.TaskMethodName(method, symbols) is { } task ? task + "." + method.Name : method.Name;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.EnqueueNotAwaited, invocation.Syntax.GetLocation(), name));
        }
    }

    /// <summary>Whether the value of <paramref name="operation"/> is dropped: an expression statement, or <c>_ = ...</c>.</summary>
    internal static bool IsDiscarded(IOperation operation)
    {
        var current = operation;
        while (true)
        {
            var parent = current.Parent;
            switch (parent)
            {
                case IConversionOperation or IParenthesizedOperation:
                    current = parent;
                    continue;
                case IInvocationOperation { TargetMethod.Name: "AsTask" or "ConfigureAwait" or "Preserve" } wrapper when wrapper.Instance == current:
                    current = parent;
                    continue;
                case IExpressionStatementOperation:
                    return true;
                case ISimpleAssignmentOperation { Target: IDiscardOperation } assignment:
                    return assignment.Value == current;
                default:
                    return false;
            }
        }
    }
}
