using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using TaskFlow.Generators.Model;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        private static (string TaskName, string? Queue, string? SoftTimeLimit, string? TimeLimit, EntityKeySpec? EntityKey, bool? IgnoreResult) ReadTaskAttribute(
            AttributeData attribute,
            IMethodSymbol method,
            List<INamedTypeSymbol> chain,
            string methodDisplay,
            LocationInfo? methodLocation,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            string? name = null;
            string? queue = null;
            double soft = 0;
            double hard = 0;
            EntityKeySpec? entityKey = null;
            bool? ignoreResult = null;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Value.Kind == TypedConstantKind.Error || argument.Value.IsNull)
                {
                    continue;
                }

                string? problem;
                string shown;
                switch (argument.Key, argument.Value.Value)
                {
                    case ("EntityKey", string value):
                        entityKey = ReadEntityKey(value, method, methodDisplay, FindNamedArgument(attribute, argument.Key, cancellationToken) ?? methodLocation, diagnostics);
                        continue;
                    case ("IgnoreResult", bool value):
                        ignoreResult = value;
                        continue;
                    case ("Name", string value):
                        problem = DescribeInvalidName(value, isQueue: false);
                        name = value;
                        shown = FormatLiteral(value);
                        break;
                    case ("Queue", string value):
                        problem = DescribeInvalidName(value, isQueue: true);
                        queue = value;
                        shown = FormatLiteral(value);
                        break;
                    case ("SoftTimeLimitSeconds", double value):
                        problem = DescribeInvalidSeconds(value);
                        soft = value;
                        shown = value.ToString("R", CultureInfo.InvariantCulture);
                        break;
                    case ("TimeLimitSeconds", double value):
                        problem = DescribeInvalidSeconds(value);
                        hard = value;
                        shown = value.ToString("R", CultureInfo.InvariantCulture);
                        break;
                    default:
                        continue;
                }

                if (problem is not null)
                {
                    var location = FindNamedArgument(attribute, argument.Key, cancellationToken) ?? methodLocation;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTaskAttributeValue, location, argument.Key, shown, methodDisplay, problem));
                }
            }

            if (soft > 0 && hard > 0 && soft > hard && DescribeInvalidSeconds(soft) is null && DescribeInvalidSeconds(hard) is null)
            {
                var location = FindNamedArgument(attribute, "SoftTimeLimitSeconds", cancellationToken) ?? methodLocation;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTaskAttributeValue, location, "SoftTimeLimitSeconds", soft.ToString("R", CultureInfo.InvariantCulture), methodDisplay, "the soft time limit must not be longer than the hard time limit"));
            }

            name ??= NameConventions.DefaultTaskName(
                method.ContainingNamespace.IsGlobalNamespace ? string.Empty : method.ContainingNamespace.ToDisplayString(),
                chain.Select(static type => type.Name),
                method.Name);
            return (name, queue, SecondsExpression(soft), SecondsExpression(hard), entityKey, ignoreResult);
        }
    }
}
