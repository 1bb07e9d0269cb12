using System.Collections.Generic;
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
        /// Reads <c>Ordered</c> and <c>OrderKey</c> of <c>[Task]</c>: the key template (the language of <c>EntityKey</c>,
        /// TF0014-TF0016 naming <c>OrderKey</c>) and that it is not given without <c>Ordered = true</c> (TF0008 with the reason).
        /// </summary>
        private static OrderSpec? ReadOrder(AttributeData attribute, IMethodSymbol method, string methodDisplay, LocationInfo? methodLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var ordered = false;
            string? keyTemplate = null;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Value.Kind == TypedConstantKind.Error || argument.Value.IsNull)
                {
                    continue;
                }

                switch (argument.Key, argument.Value.Value)
                {
                    case ("Ordered", bool value):
                        ordered = value;
                        break;
                    case ("OrderKey", string value):
                        keyTemplate = value;
                        break;
                }
            }

            if (!ordered)
            {
                if (keyTemplate is not null)
                {
                    var location = FindNamedArgument(attribute, "OrderKey", cancellationToken) ?? methodLocation;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTaskAttributeValue, location, "OrderKey", SymbolDisplay.FormatLiteral(keyTemplate, quote: true), methodDisplay,
                        "it orders nothing without Ordered = true; add Ordered = true (tasks of one key then run one at a time, in enqueue order)"));
                }

                return null;
            }

            if (keyTemplate is null)
            {
                return new OrderSpec(null);
            }

            var key = ReadEntityKey(keyTemplate, method, methodDisplay, FindNamedArgument(attribute, "OrderKey", cancellationToken) ?? methodLocation, diagnostics, "OrderKey");
            return key is null ? null : new OrderSpec(key);
        }
    }
}
