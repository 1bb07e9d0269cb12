using System;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TaskFlow.Analyzers;

/// <summary>
/// Evaluates the time spans a compiler can see: <c>TimeSpan.FromDays(40)</c> (every <c>From*</c> overload),
/// <c>new TimeSpan(...)</c>, <c>TimeSpan.Zero</c>/<c>MaxValue</c>, and sums and differences of those; and the offsets
/// from now of <c>DateTimeOffset.UtcNow.AddDays(40)</c>, <c>DateTime.Now + TimeSpan.FromDays(40)</c> and the like.
/// </summary>
internal static class ConstantTime
{
    /// <summary>The longest delay the broker's delay levels carry: (2^28 - 1) x 10 ms (src/Runtime/Internal/DelayLevels.cs).</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond * 10 * ((1L << 28) - 1));

    public static TimeSpan? Evaluate(IOperation? operation, TaskFlowSymbols symbols)
    {
        operation = Strip(operation);
        switch (operation)
        {
            case IFieldReferenceOperation { Field.IsStatic: true } field when IsTimeSpan(field.Field.ContainingType, symbols):
                return field.Field.Name switch
                {
                    "Zero" => TimeSpan.Zero,
                    "MaxValue" => TimeSpan.MaxValue,
                    _ => null,
                };

            case IInvocationOperation { TargetMethod.IsStatic: true } invocation when IsTimeSpan(invocation.TargetMethod.ContainingType, symbols):
                return FromParts(invocation.TargetMethod.Name, invocation.Arguments);

            case IObjectCreationOperation creation when IsTimeSpan(creation.Type, symbols):
                return FromParts(creation.Arguments.Length == 1 ? "FromTicks" : "new", creation.Arguments);

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } binary when IsTimeSpan(binary.Type, symbols):
                var left = Evaluate(binary.LeftOperand, symbols);
                var right = Evaluate(binary.RightOperand, symbols);
                if (left is null || right is null)
                {
                    return null;
                }

                var ticks = binary.OperatorKind == BinaryOperatorKind.Add ? (decimal)left.Value.Ticks + right.Value.Ticks : (decimal)left.Value.Ticks - right.Value.Ticks;
                return ToTimeSpan(ticks);

            default:
                return null;
        }
    }

    /// <summary>How far from now an instant is: <c>DateTimeOffset.UtcNow.AddDays(40)</c>, <c>DateTime.Now + span</c>.</summary>
    public static TimeSpan? EvaluateFromNow(IOperation? operation, TaskFlowSymbols symbols)
    {
        operation = Strip(operation);
        switch (operation)
        {
            case IPropertyReferenceOperation { Property.IsStatic: true, Property.Name: "Now" or "UtcNow" } now when IsInstantType(now.Property.ContainingType, symbols):
                return TimeSpan.Zero;

            case IInvocationOperation { TargetMethod.IsStatic: false } invocation when IsInstantType(invocation.TargetMethod.ContainingType, symbols):
                var origin = EvaluateFromNow(invocation.Instance, symbols);
                if (origin is null)
                {
                    return null;
                }

                if (invocation.TargetMethod.Name == "Add" && invocation.Arguments.Length == 1)
                {
                    return Sum(origin.Value, Evaluate(invocation.Arguments[0].Value, symbols));
                }

                var unit = UnitTicks(invocation.TargetMethod.Name.StartsWith("Add", StringComparison.Ordinal) ? "From" + invocation.TargetMethod.Name.Substring(3) : string.Empty);
                return unit is not null && invocation.Arguments.Length == 1 && Number(invocation.Arguments[0].Value) is { } amount
                    ? ToTimeSpan((decimal)origin.Value.Ticks + (amount * unit.Value))
                    : null;

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } binary when IsInstantType(binary.Type, symbols):
                var start = EvaluateFromNow(binary.LeftOperand, symbols);
                var span = Evaluate(binary.RightOperand, symbols);
                if (start is null || span is null)
                {
                    return null;
                }

                return binary.OperatorKind == BinaryOperatorKind.Add ? Sum(start.Value, span) : Sum(start.Value, span.Value.Negate());

            default:
                return null;
        }
    }

    /// <summary>"40 days", "2 hours 30 minutes": for messages.</summary>
    public static string Describe(TimeSpan span)
    {
        if (span == TimeSpan.MaxValue)
        {
            return "TimeSpan.MaxValue";
        }

        return span.TotalDays >= 1
            ? span.TotalDays.ToString("0.##", CultureInfo.InvariantCulture) + " days"
            : span.TotalHours >= 1
                ? span.TotalHours.ToString("0.##", CultureInfo.InvariantCulture) + " hours"
                : span.TotalMinutes >= 1
                    ? span.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture) + " minutes"
                    : span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " seconds";
    }

    private static TimeSpan? Sum(TimeSpan origin, TimeSpan? span) => span is null ? null : ToTimeSpan((decimal)origin.Ticks + span.Value.Ticks);

    private static TimeSpan? FromParts(string method, System.Collections.Immutable.ImmutableArray<IArgumentOperation> arguments)
    {
        decimal ticks = 0;
        foreach (var argument in arguments)
        {
            if (argument.Parameter is null)
            {
                return null;
            }

            var value = Number(argument.Value);
            if (value is null)
            {
                return null;
            }

            // FromDays(double value) and FromTicks(long value); FromDays(int days, int hours = 0, ...); new TimeSpan(d, h, m, s, ms).
            var unit = argument.Parameter.Name == "value" ? UnitTicks(method) : UnitTicks("From" + char.ToUpperInvariant(argument.Parameter.Name[0]) + argument.Parameter.Name.Substring(1));
            if (unit is null)
            {
                return null;
            }

            ticks += value.Value * unit.Value;
        }

        return ToTimeSpan(ticks);
    }

    private static long? UnitTicks(string method) => method switch
    {
        "FromDays" => TimeSpan.TicksPerDay,
        "FromHours" => TimeSpan.TicksPerHour,
        "FromMinutes" => TimeSpan.TicksPerMinute,
        "FromSeconds" => TimeSpan.TicksPerSecond,
        "FromMilliseconds" => TimeSpan.TicksPerMillisecond,
        "FromMicroseconds" => 10,
        "FromTicks" => 1,
        _ => null,
    };

    private static decimal? Number(IOperation operation)
    {
        var constant = operation.ConstantValue;
        if (!constant.HasValue || constant.Value is null)
        {
            return null;
        }

        try
        {
            var value = Convert.ToDouble(constant.Value, CultureInfo.InvariantCulture);
            return double.IsNaN(value) || double.IsInfinity(value) || Math.Abs(value) > 1e20 ? null : (decimal)value;
        }
        catch (Exception exception) when (exception is InvalidCastException or FormatException or OverflowException)
        {
            return null;
        }
    }

    private static TimeSpan? ToTimeSpan(decimal ticks) =>
        ticks > TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : ticks < TimeSpan.MinValue.Ticks ? TimeSpan.MinValue : TimeSpan.FromTicks((long)ticks);

    private static IOperation? Strip(IOperation? operation)
    {
        while (operation is IConversionOperation or IParenthesizedOperation)
        {
            operation = operation is IConversionOperation conversion ? conversion.Operand : ((IParenthesizedOperation)operation).Operand;
        }

        return operation;
    }

    private static bool IsTimeSpan(ITypeSymbol? type, TaskFlowSymbols symbols) => type is not null && SymbolEqualityComparer.Default.Equals(type, symbols.TimeSpan);

    private static bool IsInstantType(ITypeSymbol? type, TaskFlowSymbols symbols) =>
        type is not null && (SymbolEqualityComparer.Default.Equals(type, symbols.DateTime) || SymbolEqualityComparer.Default.Equals(type, symbols.DateTimeOffset));
}
