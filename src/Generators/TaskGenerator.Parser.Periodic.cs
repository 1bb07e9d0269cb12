using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TaskFlow.Generators.Model;
using TaskFlow.Shared;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        internal const string PeriodicAttributeMetadataName = "TaskFlow.Scheduling.PeriodicAttribute";

        /// <summary>
        /// The task's <c>[Periodic]</c> schedules. One whose constant arguments do not match the task's wire parameters
        /// is left out here: the analyzer reports it (TF1013), so the generated registration never fails to compile.
        /// </summary>
        public static EquatableArray<PeriodicSpec> ReadPeriodicAttributes(IMethodSymbol method, string taskName, EquatableArray<ParameterSpec> parameters)
        {
            var specs = new List<PeriodicSpec>();
            var wire = parameters.Where(static p => p.Kind == TaskParameterKind.Argument).ToList();
            foreach (var attribute in method.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != PeriodicAttributeMetadataName)
                {
                    continue;
                }

                var cron = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
                string? every = null, timeZone = null, name = null, window = null;
                int overlap = 0, catchUp = 0;
                EquatableArray<string>? arguments = null;
                var valid = true;
                foreach (var named in attribute.NamedArguments)
                {
                    switch (named.Key)
                    {
                        case "Every":
                            every = named.Value.Value as string;
                            break;
                        case "TimeZone":
                            timeZone = named.Value.Value as string;
                            break;
                        case "Name":
                            name = named.Value.Value as string;
                            break;
                        case "CatchUpWindow":
                            window = named.Value.Value as string;
                            break;
                        case "Overlap":
                            overlap = named.Value.Value is int o ? o : 0;
                            break;
                        case "CatchUp":
                            catchUp = named.Value.Value is int c ? c : 0;
                            break;
                        case "Arguments" when !named.Value.IsNull:
                            var values = named.Value.Values;
                            if (values.Length != wire.Count || !values.Select((v, i) => Fits(v, WireParameter(method, wire[i].Name))).All(static fits => fits))
                            {
                                valid = false;
                                break;
                            }

                            arguments = values.Select(static v => v.Kind == TypedConstantKind.Array ? "default!" : v.IsNull ? "default!" : v.ToCSharpString()).ToEquatableArray();
                            break;
                    }
                }

                if (!valid || (arguments is null && wire.Count > 0))
                {
                    continue;
                }

                specs.Add(new PeriodicSpec(name ?? taskName, cron, every, timeZone, overlap, catchUp, window, arguments));
            }

            return specs.ToEquatableArray();
        }

        private static ITypeSymbol? WireParameter(IMethodSymbol method, string name) =>
            method.Parameters.FirstOrDefault(p => p.Name == name)?.Type;

        /// <summary>Whether a constant can be passed to a parameter of <paramref name="type"/> (the analyzer reports the ones that cannot).</summary>
        internal static bool Fits(TypedConstant value, ITypeSymbol? type)
        {
            if (type is null || value.Kind == TypedConstantKind.Array)
            {
                return false;
            }

            if (type.SpecialType == SpecialType.System_Object)
            {
                return true;
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

            return IsNumeric(value.Type?.SpecialType ?? SpecialType.None) && IsNumeric(target.SpecialType)
                && (int)(value.Type!.SpecialType) <= (int)target.SpecialType && value.Type.SpecialType != SpecialType.System_Decimal;
        }

        private static bool IsNumeric(SpecialType type) => type is >= SpecialType.System_SByte and <= SpecialType.System_Double;
    }
}
