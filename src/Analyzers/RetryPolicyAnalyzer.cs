using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TaskFlow.Analyzers;

/// <summary>
/// TF1007: retries with no backoff (fixed backoff over several retries, a zero delay, a schedule of zeros, a zero
/// countdown to <c>TaskContext.Retry</c>) or with delays beyond the broker's range (31.07 days), in
/// <c>[Retry(...)]</c>, <c>new RetryPolicy { ... }</c> and <c>context.Retry(countdown)</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RetryPolicyAnalyzer : DiagnosticAnalyzer
{
    private const int FixedBackoff = 0; // TaskFlow.RetryBackoff.Fixed
    private static readonly TimeSpan s_defaultDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_defaultMaxDelay = TimeSpan.FromMinutes(10);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.RiskyRetryPolicy);

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

            start.RegisterSymbolAction(context => AnalyzeAttribute(context, symbols), SymbolKind.Method);
            start.RegisterOperationAction(context => AnalyzePolicy(context, symbols), OperationKind.ObjectCreation);
            start.RegisterOperationAction(context => AnalyzeContextRetry(context, symbols), OperationKind.Invocation);
        });
    }

    private static void AnalyzeAttribute(SymbolAnalysisContext context, TaskFlowSymbols symbols)
    {
        var method = (IMethodSymbol)context.Symbol;
        var attribute = symbols.GetRetryAttribute(method);
        if (attribute?.ApplicationSyntaxReference is not { } reference || attribute.ConstructorArguments.Length != 1
            || attribute.ConstructorArguments[0].Value is not int maxRetries)
        {
            return;
        }

        var backoffIsFixed = false;
        TimeSpan? delay = s_defaultDelay;
        TimeSpan? maxDelay = s_defaultMaxDelay;
        List<TimeSpan?>? schedule = null;
        foreach (var argument in attribute.NamedArguments)
        {
            switch (argument.Key)
            {
                case "Backoff":
                    backoffIsFixed = argument.Value.Value is int backoff && backoff == FixedBackoff;
                    break;
                case "DelaySeconds":
                    delay = Seconds(argument.Value.Value);
                    break;
                case "MaxDelaySeconds":
                    maxDelay = Seconds(argument.Value.Value);
                    break;
                case "ScheduleSeconds" when !argument.Value.IsNull && argument.Value.Kind == TypedConstantKind.Array:
                    schedule = argument.Value.Values.Select(static value => Seconds(value.Value)).ToList();
                    break;
            }
        }

        var location = reference.GetSyntax(context.CancellationToken).GetLocation();
        foreach (var problem in Problems(maxRetries, backoffIsFixed, delay, maxDelay, schedule, "DelaySeconds", "MaxDelaySeconds", "ScheduleSeconds"))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RiskyRetryPolicy, location, "of task '" + method.ContainingType.Name + "." + method.Name + "'", problem));
        }
    }

    private static void AnalyzePolicy(OperationAnalysisContext context, TaskFlowSymbols symbols)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (symbols.RetryPolicy is null || !SymbolEqualityComparer.Default.Equals(creation.Type, symbols.RetryPolicy) || creation.Initializer is null)
        {
            return;
        }

        int? maxRetries = 3;
        var backoffIsFixed = false;
        TimeSpan? delay = s_defaultDelay;
        TimeSpan? maxDelay = s_defaultMaxDelay;
        List<TimeSpan?>? schedule = null;
        foreach (var initializer in creation.Initializer.Initializers)
        {
            if (initializer is not ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } assignment)
            {
                continue;
            }

            var value = assignment.Value;
            switch (property.Property.Name)
            {
                case "MaxRetries":
                    maxRetries = value.ConstantValue is { HasValue: true, Value: int retries } ? retries : null;
                    break;
                case "Backoff":
                    backoffIsFixed = value.ConstantValue is { HasValue: true, Value: int backoff } && backoff == FixedBackoff;
                    break;
                case "Delay":
                    delay = ConstantTime.Evaluate(value, symbols);
                    break;
                case "MaxDelay":
                    maxDelay = ConstantTime.Evaluate(value, symbols);
                    break;
                case "Schedule":
                    schedule = ScheduleElements(value, symbols);
                    break;
            }
        }

        if (maxRetries is null)
        {
            return;
        }

        foreach (var problem in Problems(maxRetries.Value, backoffIsFixed, delay, maxDelay, schedule, "Delay", "MaxDelay", "Schedule"))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RiskyRetryPolicy, creation.Syntax.GetLocation(), "created here", problem));
        }
    }

    private static void AnalyzeContextRetry(OperationAnalysisContext context, TaskFlowSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.Name != "Retry" || !SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.TaskContext))
        {
            return;
        }

        var countdownArgument = invocation.Arguments.FirstOrDefault(static argument => argument.Parameter?.Name == "countdown" && argument.ArgumentKind == ArgumentKind.Explicit);
        var countdown = ConstantTime.Evaluate(countdownArgument?.Value, symbols);
        string? problem = null;
        if (countdown == TimeSpan.Zero)
        {
            problem = "a countdown of 0 retries at once, with no backoff; pass no countdown to use the task's backoff, or a growing one";
        }
        else if (countdown > ConstantTime.MaxDelay)
        {
            problem = "a countdown of " + ConstantTime.Describe(countdown.Value) + " exceeds the " + DiagnosticDescriptors.MaxDelayDisplay + " the broker's delay levels carry";
        }

        if (problem is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RiskyRetryPolicy, countdownArgument!.Syntax.GetLocation(), "of this retry", problem));
        }
    }

    private static IEnumerable<string> Problems(int maxRetries, bool backoffIsFixed, TimeSpan? delay, TimeSpan? maxDelay, List<TimeSpan?>? schedule, string delayName, string maxDelayName, string scheduleName)
    {
        if (maxRetries <= 0)
        {
            yield break;
        }

        if (delay > ConstantTime.MaxDelay)
        {
            yield return delayName + " of " + ConstantTime.Describe(delay.Value) + " exceeds the " + DiagnosticDescriptors.MaxDelayDisplay + " the broker's delay levels carry";
        }

        if (maxDelay > ConstantTime.MaxDelay)
        {
            yield return maxDelayName + " of " + ConstantTime.Describe(maxDelay.Value) + " exceeds the " + DiagnosticDescriptors.MaxDelayDisplay + " the broker's delay levels carry";
        }

        if (schedule is { Count: > 0 })
        {
            var tooLong = schedule.FirstOrDefault(static step => step > ConstantTime.MaxDelay);
            if (tooLong is not null)
            {
                yield return "a " + scheduleName + " entry of " + ConstantTime.Describe(tooLong.Value) + " exceeds the " + DiagnosticDescriptors.MaxDelayDisplay + " the broker's delay levels carry";
            }

            if (schedule.All(static step => step == TimeSpan.Zero))
            {
                yield return "every " + scheduleName + " entry is 0, so the retries follow each other with no delay";
            }

            yield break;
        }

        if (backoffIsFixed && maxRetries > 1)
        {
            yield return "fixed backoff retries " + maxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture)
                + " times at the same pace; use exponential backoff (the default) so that a failing dependency gets time to recover";
        }

        if (delay == TimeSpan.Zero)
        {
            yield return "a " + delayName + " of 0 retries at once, with no backoff";
        }
    }

    private static TimeSpan? Seconds(object? value)
    {
        if (value is not double seconds || double.IsNaN(seconds) || seconds < 0)
        {
            return null;
        }

        return seconds >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)(seconds * TimeSpan.TicksPerSecond));
    }

    private static List<TimeSpan?>? ScheduleElements(IOperation value, TaskFlowSymbols symbols)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        var elements = value switch
        {
            IArrayCreationOperation { Initializer: { } initializer } => initializer.ElementValues,
            ICollectionExpressionOperation collection => collection.Elements,
            _ => ImmutableArray<IOperation>.Empty,
        };
        return elements.IsEmpty ? null : elements.Select(element => ConstantTime.Evaluate(element, symbols)).ToList();
    }
}
