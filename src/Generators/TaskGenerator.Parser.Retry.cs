using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using TaskFlow.Generators.Model;
using TaskFlow.Shared;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        /// <summary>Reads <c>[Retry]</c> into the policy to generate; only the values that were set are carried (the others keep <c>RetryPolicy</c>'s defaults, which are the attribute's).</summary>
        private static RetrySpec? ReadRetryAttribute(IMethodSymbol method, string methodDisplay, LocationInfo? methodLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var attribute = method.GetAttributes().FirstOrDefault(static candidate => candidate.AttributeClass is { } attributeClass && TypeNames.IsType(attributeClass, "TaskFlow", "RetryAttribute"));
            if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not int maxRetries)
            {
                return null;
            }

            void Report(string argument, string? namedArgument, string problem) =>
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidRetryAttributeValue,
                    (namedArgument is null ? LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken)) : FindNamedArgument(attribute, namedArgument, cancellationToken)) ?? methodLocation,
                    argument,
                    methodDisplay,
                    problem));

            if (maxRetries is < 0 or > 1000)
            {
                Report("maxRetries = " + maxRetries.ToString(CultureInfo.InvariantCulture), null, "it must be between 0 and 1000");
            }

            ConstantSpec? backoff = null;
            double? delay = null;
            double? maxDelay = null;
            bool? jitter = null;
            EquatableArray<double>? schedule = null;
            var retryOn = EquatableArray<string>.Empty;
            var doNotRetryOn = EquatableArray<string>.Empty;
            foreach (var argument in attribute.NamedArguments)
            {
                var value = argument.Value;
                if (value.Kind == TypedConstantKind.Error || value.IsNull)
                {
                    continue;
                }

                switch (argument.Key)
                {
                    case "Backoff" when value.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType:
                        var member = enumType.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(field => field.HasConstantValue && Equals(field.ConstantValue, value.Value));
                        backoff = ReadConstant(enumType, value.Value) with { EnumMember = member?.Name };
                        break;
                    case "DelaySeconds" when value.Value is double seconds:
                        delay = CheckSeconds(argument.Key, seconds);
                        break;
                    case "MaxDelaySeconds" when value.Value is double seconds:
                        maxDelay = CheckSeconds(argument.Key, seconds);
                        break;
                    case "Jitter" when value.Value is bool flag:
                        jitter = flag;
                        break;
                    case "ScheduleSeconds" when value.Kind == TypedConstantKind.Array:
                        schedule = value.Values
                            .Select(entry => entry.Value is double seconds ? CheckSeconds(argument.Key, seconds) ?? double.NaN : double.NaN)
                            .ToEquatableArray();
                        break;
                    case "RetryOn" when value.Kind == TypedConstantKind.Array:
                        retryOn = ReadExceptionTypes(argument.Key, value);
                        break;
                    case "DoNotRetryOn" when value.Kind == TypedConstantKind.Array:
                        doNotRetryOn = ReadExceptionTypes(argument.Key, value);
                        break;
                }
            }

            return new RetrySpec(maxRetries, backoff, delay, maxDelay, jitter, schedule, retryOn, doNotRetryOn);

            double? CheckSeconds(string name, double seconds)
            {
                var problem = DescribeInvalidSeconds(seconds);
                if (problem is not null)
                {
                    Report(name + " = " + seconds.ToString("R", CultureInfo.InvariantCulture), name, problem);
                    return null;
                }

                return seconds;
            }

            EquatableArray<string> ReadExceptionTypes(string name, TypedConstant array)
            {
                var types = new List<string>();
                foreach (var entry in array.Values)
                {
                    if (entry.Value is not ITypeSymbol type || type.TypeKind == TypeKind.Error)
                    {
                        continue;
                    }

                    if (!IsException(type))
                    {
                        Report(name + " = typeof(" + type.ToDisplayString(s_typeDisplayFormat) + ")", name, "it is not an exception type");
                        continue;
                    }

                    types.Add(type.ToDisplayString(s_fullyQualifiedFormat));
                }

                return types.ToEquatableArray();
            }
        }

        /// <summary>Whether <c>RetryOn</c>/<c>DoNotRetryOn</c> names an exception type (TF0013 otherwise).</summary>
        private static bool IsException(ITypeSymbol type)
        {
            if (type is INamedTypeSymbol { IsUnboundGenericType: true })
            {
                return false;
            }

            for (var current = type; current is not null; current = current.BaseType)
            {
                if (TypeNames.IsType(current, "System", "Exception"))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
