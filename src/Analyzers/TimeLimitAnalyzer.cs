using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TaskFlow.Shared;

namespace TaskFlow.Analyzers;

/// <summary>
/// TF1010: <c>[Task(SoftTimeLimitSeconds = ...)]</c> or <c>TimeLimitSeconds</c> on a task that takes neither a
/// <c>CancellationToken</c> nor the <c>TaskContext</c> (whose <c>CancellationToken</c> the limits cancel).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TimeLimitAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.TimeLimitNotObservable);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var symbols = TaskFlowSymbols.Create(start.Compilation);
            if (symbols is not null)
            {
                start.RegisterSymbolAction(context => Analyze(context, symbols), SymbolKind.Method);
            }
        });
    }

    private static void Analyze(SymbolAnalysisContext context, TaskFlowSymbols symbols)
    {
        var method = (IMethodSymbol)context.Symbol;
        var attribute = symbols.GetTaskAttribute(method);
        if (attribute?.ApplicationSyntaxReference is not { } reference)
        {
            return;
        }

        var soft = Limit(attribute, "SoftTimeLimitSeconds");
        var hard = Limit(attribute, "TimeLimitSeconds");
        if (soft is null && hard is null)
        {
            return;
        }

        if (method.Parameters.Any(static parameter => TaskParameterRules.Classify(parameter) is TaskParameterKind.CancellationToken or TaskParameterKind.Context))
        {
            return;
        }

        var limits = soft is not null && hard is not null
            ? "soft time limit (" + Format(soft.Value) + ") and a time limit (" + Format(hard.Value) + ")"
            : soft is not null ? "soft time limit of " + Format(soft.Value) : "time limit of " + Format(hard!.Value);
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.TimeLimitNotObservable,
            reference.GetSyntax(context.CancellationToken).GetLocation(),
            method.ContainingType.Name + "." + method.Name,
            limits));
    }

    private static double? Limit(AttributeData attribute, string name)
    {
        var argument = attribute.NamedArguments.FirstOrDefault(pair => pair.Key == name);
        return argument.Value.Value is double seconds && seconds > 0 && !double.IsInfinity(seconds) ? seconds : null;
    }

    private static string Format(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
