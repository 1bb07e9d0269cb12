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
        private const int UniqueForPeriod = 2;
        private const int MaxUniqueForSeconds = 365 * 24 * 3600;

        /// <summary>
        /// Reads <c>Unique</c>, <c>UniqueFor</c> and <c>UniqueScope</c> of <c>[Task]</c>: the key template is checked as an
        /// entity key's (TF0014-TF0016, naming <c>Unique</c>); a negative or too long period, an unknown scope,
        /// <c>ForPeriod</c> without a period, and a period or scope without a key are TF0010s.
        /// </summary>
        private static UniqueSpec? ReadUnique(AttributeData attribute, IMethodSymbol method, string methodDisplay, LocationInfo? methodLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            string? template = null;
            EntityKeySpec? key = null;
            int? forSeconds = null;
            int? scope = null;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Value.Kind == TypedConstantKind.Error || argument.Value.IsNull)
                {
                    continue;
                }

                switch (argument.Key, argument.Value.Value)
                {
                    case ("Unique", string value):
                        template = value;
                        key = ReadEntityKey(value, method, methodDisplay, FindNamedArgument(attribute, argument.Key, cancellationToken) ?? methodLocation, diagnostics, "Unique");
                        break;
                    case ("UniqueFor", int value):
                        forSeconds = value;
                        if (value < 0 || value > MaxUniqueForSeconds)
                        {
                            Report("UniqueFor", value.ToString(CultureInfo.InvariantCulture),
                                value < 0 ? "it is negative; give the seconds the key is held at most (0: no period)" : "it is longer than 365 days; give at most 31536000 seconds");
                        }

                        break;
                    case ("UniqueScope", int value):
                        scope = value;
                        if (value is < 0 or > UniqueForPeriod)
                        {
                            Report("UniqueScope", value.ToString(CultureInfo.InvariantCulture), "it is not one of UniqueScope.WhilePendingOrRunning, WhilePending, ForPeriod");
                        }

                        break;
                }
            }

            if (template is null)
            {
                if (forSeconds is not null)
                {
                    Report("UniqueFor", forSeconds.Value.ToString(CultureInfo.InvariantCulture), "it has no effect without Unique; add Unique = \"...\" (the key template)");
                }

                if (scope is not null)
                {
                    Report("UniqueScope", ScopeName(scope.Value), "it has no effect without Unique; add Unique = \"...\" (the key template)");
                }

                return null;
            }

            if (scope == UniqueForPeriod && (forSeconds ?? 0) == 0)
            {
                Report("UniqueScope", ScopeName(scope.Value), "ForPeriod holds the key for UniqueFor seconds; set UniqueFor (e.g. UniqueFor = 300)");
            }

            return key is null ? null : new UniqueSpec(key, scope ?? 0, forSeconds ?? 0);

            void Report(string property, string shown, string problem)
            {
                var location = FindNamedArgument(attribute, property, cancellationToken) ?? methodLocation;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTaskAttributeValue, location, property, shown, methodDisplay, problem));
            }
        }

        private static string ScopeName(int scope) => scope switch
        {
            0 => "UniqueScope.WhilePendingOrRunning",
            1 => "UniqueScope.WhilePending",
            2 => "UniqueScope.ForPeriod",
            _ => scope.ToString(CultureInfo.InvariantCulture),
        };
    }
}
