using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TaskFlow.Generators.Model;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        /// <summary>
        /// Reads the named arguments of <c>[Task]</c>: the wire name and queue (TF0008, <c>.Naming</c>), the time limits
        /// (<c>.TimeLimits</c>), the entity key (<c>.EntityKey</c>), <c>IgnoreResult</c>, <c>LongRunning</c>, <c>LogSummary</c> and <c>Priority</c>.
        /// </summary>
        private static (string TaskName, string? Queue, double? SoftTimeLimit, double? TimeLimit, EntityKeySpec? EntityKey, bool? IgnoreResult, bool LongRunning, bool LogSummary, int Priority, int MaxConcurrency, EntityKeySpec? ConcurrencyKey) ReadTaskAttribute(
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
            var longRunning = false;
            var logSummary = true;
            var priority = 0;
            var maxConcurrency = 0;
            EntityKeySpec? concurrencyKey = null;
            string? concurrencyTemplate = null;
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
                    case ("LongRunning", bool value):
                        longRunning = value;
                        continue;
                    case ("LogSummary", bool value):
                        logSummary = value;
                        continue;
                    case ("Priority", byte value):
                        priority = value;
                        continue;
                    case ("ConcurrencyKey", string value):
                        concurrencyTemplate = value;
                        concurrencyKey = ReadEntityKey(value, method, methodDisplay, FindNamedArgument(attribute, argument.Key, cancellationToken) ?? methodLocation, diagnostics, "ConcurrencyKey");
                        continue;
                    case ("MaxConcurrency", int value):
                        problem = value < 0 ? "it is negative; give the number of runs allowed at once (0: no limit)" : null;
                        maxConcurrency = value;
                        shown = value.ToString(CultureInfo.InvariantCulture);
                        break;
                    case ("Name", string value):
                        problem = DescribeInvalidName(value, isQueue: false);
                        name = value;
                        shown = SymbolDisplay.FormatLiteral(value, quote: true);
                        break;
                    case ("Queue", string value):
                        problem = DescribeInvalidName(value, isQueue: true);
                        queue = value;
                        shown = SymbolDisplay.FormatLiteral(value, quote: true);
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

            CheckSoftWithinHard(soft, hard, attribute, methodDisplay, methodLocation, diagnostics, cancellationToken);
            if (concurrencyTemplate is not null && maxConcurrency <= 0)
            {
                var location = FindNamedArgument(attribute, "ConcurrencyKey", cancellationToken) ?? methodLocation;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTaskAttributeValue, location, "ConcurrencyKey", SymbolDisplay.FormatLiteral(concurrencyTemplate, quote: true), methodDisplay,
                    "it limits nothing without MaxConcurrency; add MaxConcurrency = 1 (or the number of runs allowed at once per key)"));
            }


            name ??= NameConventions.DefaultTaskName(
                method.ContainingNamespace.IsGlobalNamespace ? string.Empty : method.ContainingNamespace.ToDisplayString(),
                chain.Select(static type => type.Name),
                method.Name);
            return (name, queue, TimeLimit(soft), TimeLimit(hard), entityKey, ignoreResult, longRunning, logSummary, priority, maxConcurrency, concurrencyKey);
        }
    }
}
