using System.Collections.Generic;
using System.Globalization;
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
        /// Reads <c>RateLimit</c>, <c>RateLimitKey</c> and <c>RateLimitBurst</c> of <c>[Task]</c>: the rate's syntax
        /// (<see cref="RateLimitSyntax"/>), the key template (the language of <c>EntityKey</c>) and that neither of the other
        /// two is given without a rate (TF0008 with the reason).
        /// </summary>
        private static RateLimitSpec? ReadRateLimit(AttributeData attribute, IMethodSymbol method, string methodDisplay, LocationInfo? methodLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            string? rate = null;
            string? keyTemplate = null;
            int? burst = null;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Value.Kind == TypedConstantKind.Error || argument.Value.IsNull)
                {
                    continue;
                }

                switch (argument.Key, argument.Value.Value)
                {
                    case ("RateLimit", string value):
                        rate = value;
                        break;
                    case ("RateLimitKey", string value):
                        keyTemplate = value;
                        break;
                    case ("RateLimitBurst", int value):
                        burst = value;
                        break;
                }
            }

            if (rate is null)
            {
                if (keyTemplate is not null)
                {
                    Report("RateLimitKey", SymbolDisplay.FormatLiteral(keyTemplate, quote: true), "it limits nothing without RateLimit; add RateLimit = \"100/m\" (runs per second, minute or hour, per key)");
                }

                if (burst is { } orphan)
                {
                    Report("RateLimitBurst", orphan.ToString(CultureInfo.InvariantCulture), "it applies to a RateLimit, which the task does not declare; add RateLimit = \"100/m\"");
                }

                return null;
            }

            var valid = true;
            if (!RateLimitSyntax.TryParse(rate, out var count, out var periodSeconds, out var problem))
            {
                Report("RateLimit", SymbolDisplay.FormatLiteral(rate, quote: true), problem);
                valid = false;
            }

            if (burst is { } b && (b < 1 || b > RateLimitSyntax.MaxBurst))
            {
                Report("RateLimitBurst", b.ToString(CultureInfo.InvariantCulture), "give the runs allowed at once after a quiet spell, 1 to 10,000 (1, the default: evenly spaced)");
                valid = false;
            }

            EntityKeySpec? key = null;
            if (keyTemplate is not null)
            {
                key = ReadEntityKey(keyTemplate, method, methodDisplay, FindNamedArgument(attribute, "RateLimitKey", cancellationToken) ?? methodLocation, diagnostics, "RateLimitKey");
                valid &= key is not null;
            }

            return valid ? new RateLimitSpec(count, periodSeconds, burst ?? 1, key) : null;

            void Report(string property, string shown, string reason)
            {
                var location = FindNamedArgument(attribute, property, cancellationToken) ?? methodLocation;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTaskAttributeValue, location, property, shown, methodDisplay, reason));
            }
        }
    }
}
