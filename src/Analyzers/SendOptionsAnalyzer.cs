using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TaskFlow.Analyzers;

/// <summary>
/// TF1011: <c>new SendOptions { ... }</c> whose <c>Countdown</c> (or <c>Eta</c>, counted from now) exceeds the broker's
/// delay range, or whose expiry (<c>ExpiresIn</c>, or <c>ExpiresAt</c> from now) comes no later than that delay.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SendOptionsAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.EnqueueOptionsCannotBeHonored);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var symbols = TaskFlowSymbols.Create(start.Compilation);
            if (symbols?.SendOptions is not null)
            {
                start.RegisterOperationAction(context => Analyze(context, symbols), OperationKind.ObjectCreation);
            }
        });
    }

    private static void Analyze(OperationAnalysisContext context, TaskFlowSymbols symbols)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, symbols.SendOptions) || creation.Initializer is null)
        {
            return;
        }

        (TimeSpan Value, string Name, IOperation Syntax)? delay = null;
        (TimeSpan Value, string Name)? expiry = null;
        foreach (var initializer in creation.Initializer.Initializers)
        {
            if (initializer is not ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } assignment)
            {
                continue;
            }

            var name = property.Property.Name;
            var value = name switch
            {
                "Countdown" or "ExpiresIn" => ConstantTime.Evaluate(assignment.Value, symbols),
                "Eta" or "ExpiresAt" => ConstantTime.EvaluateFromNow(assignment.Value, symbols),
                _ => null,
            };
            if (value is null)
            {
                continue;
            }

            if (name is "Countdown" or "Eta")
            {
                delay = (value.Value, name, assignment);
            }
            else
            {
                expiry = (value.Value, name);
            }
        }

        if (delay is { } late && late.Value > ConstantTime.MaxDelay)
        {
            var what = late.Name == "Eta" ? "an Eta " + ConstantTime.Describe(late.Value) + " from now" : "a Countdown of " + ConstantTime.Describe(late.Value);
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.EnqueueOptionsCannotBeHonored,
                late.Syntax.Syntax.GetLocation(),
                what + " exceeds the " + DiagnosticDescriptors.MaxDelayDisplay + " the broker's delay levels carry, so enqueueing throws; store the task and send it closer to its time"));
        }

        if (delay is { } start && expiry is { } end && start.Value > TimeSpan.Zero && end.Value <= start.Value)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.EnqueueOptionsCannotBeHonored,
                creation.Syntax.GetLocation(),
                end.Name + " (" + ConstantTime.Describe(end.Value) + ") is not later than " + start.Name + " (" + ConstantTime.Describe(start.Value) + "), so the task expires before it may run and is always discarded"));
        }
    }
}
