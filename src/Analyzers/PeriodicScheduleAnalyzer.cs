using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TaskFlow.Shared;

namespace TaskFlow.Analyzers;

/// <summary>
/// TF1013: a <c>[Periodic]</c> that cannot be scheduled: not on a <c>[Task]</c>, no or two timings, an invalid cron
/// expression, interval or catch-up window, an unknown time zone, arguments that do not match the task's parameters,
/// or two schedules of one task with the same name. The runtime would refuse them at start-up; here they fail the build.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PeriodicScheduleAnalyzer : DiagnosticAnalyzer
{
    private const string PeriodicAttributeName = "TaskFlow.Scheduling.PeriodicAttribute";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.InvalidPeriodicSchedule);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var periodic = start.Compilation.GetTypeByMetadataName(PeriodicAttributeName);
            var symbols = TaskFlowSymbols.Create(start.Compilation);
            if (periodic is not null && symbols is not null)
            {
                start.RegisterSymbolAction(context => Analyze(context, periodic, symbols), SymbolKind.Method);
            }
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol periodicType, TaskFlowSymbols symbols)
    {
        var method = (IMethodSymbol)context.Symbol;
        var attributes = method.GetAttributes().Where(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, periodicType)).ToList();
        if (attributes.Count == 0)
        {
            return;
        }

        var display = method.ContainingType.Name + "." + method.Name;
        var task = symbols.GetTaskAttribute(method);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            var problem = task is null
                ? "it is not on a [Task] method; add [Task] or remove [Periodic]"
                : Problem(attribute, method, attributes.Count, names);
            if (problem is not null && attribute.ApplicationSyntaxReference is { } reference)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidPeriodicSchedule, reference.GetSyntax(context.CancellationToken).GetLocation(), display, problem));
            }
        }
    }

    private static string? Problem(AttributeData attribute, IMethodSymbol method, int count, HashSet<string> names)
    {
        var cron = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        var named = attribute.NamedArguments.ToDictionary(static pair => pair.Key, static pair => pair.Value, StringComparer.Ordinal);
        var every = named.TryGetValue("Every", out var e) ? e.Value as string : null;
        var zone = named.TryGetValue("TimeZone", out var z) ? z.Value as string : null;
        var window = named.TryGetValue("CatchUpWindow", out var w) ? w.Value as string : null;
        var name = named.TryGetValue("Name", out var n) ? n.Value as string : null;

        if ((cron is null) == (every is null))
        {
            return cron is null ? "it has neither a cron expression nor an interval (Every)" : "it has both a cron expression and an interval (Every); keep one";
        }

        if (cron is not null && CronSyntax.Check(cron) is { } cronProblem)
        {
            return "'" + cron + "' is not a valid cron expression: " + cronProblem;
        }

        if (every is not null && Interval(every) is { } everyProblem)
        {
            return "Every = \"" + every + "\" " + everyProblem;
        }

        if (window is not null && Interval(window) is { } windowProblem)
        {
            return "CatchUpWindow = \"" + window + "\" " + windowProblem;
        }

        if (!string.IsNullOrWhiteSpace(zone) && !KnownZone(zone!))
        {
            return "time zone '" + zone + "' is not known; use an IANA id such as Europe/Paris or America/New_York";
        }

        var wire = method.Parameters.Where(static p => TaskParameterRules.Classify(p) == TaskParameterKind.Argument).ToList();
        var hasArguments = named.TryGetValue("Arguments", out var a) && !a.IsNull;
        if (!hasArguments && wire.Count > 0)
        {
            return "the task takes " + wire.Count.ToString(CultureInfo.InvariantCulture) + " argument(s); give them as constants with Arguments = new object[] { ... }";
        }

        if (hasArguments)
        {
            var values = a.Values;
            if (values.Length != wire.Count)
            {
                return "Arguments has " + values.Length.ToString(CultureInfo.InvariantCulture) + " value(s) but the task takes " + wire.Count.ToString(CultureInfo.InvariantCulture);
            }

            for (var i = 0; i < values.Length; i++)
            {
                if (!Fits(values[i], wire[i].Type))
                {
                    return "argument " + (i + 1).ToString(CultureInfo.InvariantCulture) + " (" + (values[i].IsNull ? "null" : values[i].Type?.ToDisplayString() ?? "?") + ") does not fit parameter '" + wire[i].Name + "' (" + wire[i].Type.ToDisplayString() + ")";
                }
            }
        }

        if (count > 1 && name is null)
        {
            return "the task has " + count.ToString(CultureInfo.InvariantCulture) + " [Periodic] attributes; give each a Name";
        }

        if (name is not null && !names.Add(name))
        {
            return "two [Periodic] of the task are named '" + name + "'";
        }

        return null;
    }

    private static string? Interval(string text) =>
        !TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var interval) ? "is not a time span; write hh:mm:ss (\"00:05:00\") or d.hh:mm:ss"
        : interval < TimeSpan.FromSeconds(1) ? "is shorter than the 1 second a schedule takes"
        : null;

    private static bool KnownZone(string id)
    {
        if (string.Equals(id, "UTC", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return false;
        }
    }

    private static bool Fits(TypedConstant value, ITypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_Object)
        {
            return value.Kind != TypedConstantKind.Array;
        }

        if (value.Kind == TypedConstantKind.Array)
        {
            return false;
        }

        if (value.IsNull)
        {
            return !type.IsValueType || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
        }

        var target = type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T ? ((INamedTypeSymbol)type).TypeArguments[0] : type;
        if (SymbolEqualityComparer.Default.Equals(value.Type, target))
        {
            return true;
        }

        var from = value.Type?.SpecialType ?? SpecialType.None;
        return IsNumeric(from) && IsNumeric(target.SpecialType) && (int)from <= (int)target.SpecialType && from != SpecialType.System_Decimal;
    }

    private static bool IsNumeric(SpecialType type) => type is >= SpecialType.System_SByte and <= SpecialType.System_Double;
}
