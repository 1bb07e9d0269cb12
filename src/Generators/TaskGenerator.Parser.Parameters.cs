using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using TaskFlow.Generators.Model;
using TaskFlow.Shared;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        /// <summary>
        /// Classifies every parameter (<see cref="TaskParameterRules"/>) into the spec the emitter needs, reports the
        /// parameters a task cannot have (TF0003) and argument types the proxy cannot expose, and marks which defaults the
        /// proxy can carry.
        /// </summary>
        private static EquatableArray<ParameterSpec> ParseParameters(IMethodSymbol method, string methodDisplay, List<DiagnosticInfo> diagnostics, ref bool proxyIsPublic)
        {
            var parameters = new List<ParameterSpec>(method.Parameters.Length);
            foreach (var parameter in method.Parameters)
            {
                var location = LocationInfo.From(parameter.Locations.FirstOrDefault());
                var problem = TaskParameterRules.DescribeUnsupported(parameter);
                if (problem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, methodDisplay, problem));
                    continue;
                }

                var type = parameter.Type;
                var kind = TaskParameterRules.Classify(parameter);
                var declaredNullable = IsNullable(type);
                var defaultIsNull = parameter.HasExplicitDefaultValue && parameter.ExplicitDefaultValue is null;
                switch (kind)
                {
                    case TaskParameterKind.Argument:
                    {
                        var visibility = GetVisibility(type);
                        proxyIsPublic &= visibility.Level == VisibilityLevel.Public;
                        if (visibility.Level == VisibilityLevel.Inaccessible)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InaccessibleArgumentType, location, type.ToDisplayString(s_typeDisplayFormat), "parameter '" + parameter.Name + "'", methodDisplay, visibility.Problem!));
                        }

                        // A null default on a reference type that is not annotated (e.g. in a #nullable disable file):
                        // generated code is #nullable enable, so it handles the argument as nullable.
                        var widenToNullable = defaultIsNull && type.IsReferenceType && !declaredNullable;
                        var generatedType = widenToNullable ? type.WithNullableAnnotation(NullableAnnotation.Annotated) : type;

                        // A dynamic argument is handled as object in generated code, so that nothing there is dynamically bound.
                        var generatedTypeName = type.TypeKind == TypeKind.Dynamic
                            ? (declaredNullable || widenToNullable ? "object?" : "object")
                            : generatedType.ToDisplayString(s_fullyQualifiedFormat);
                        parameters.Add(new ParameterSpec(
                            parameter.Name,
                            NameConventions.ToIdentifier(parameter.Name),
                            kind,
                            generatedTypeName,
                            declaredNullable || widenToNullable,
                            NameConventions.ToSnakeCase(parameter.Name),
                            type.ToDisplayString(s_typeDisplayFormat),
                            parameter.HasExplicitDefaultValue ? ReadConstant(type, parameter.ExplicitDefaultValue) : null,
                            DefaultInProxy: false,
                            SuppressNullableOnPass: widenToNullable && type.NullableAnnotation == NullableAnnotation.NotAnnotated,
                            Sensitive: IsSensitive(parameter)));
                        break;
                    }

                    case TaskParameterKind.Service:
                    {
                        // Optional services (annotated, or defaulting to null) are resolved with GetService.
                        var optional = (type.IsReferenceType && declaredNullable) || defaultIsNull;
                        var serviceType = type.IsReferenceType ? type.WithNullableAnnotation(NullableAnnotation.NotAnnotated) : type;
                        parameters.Add(new ParameterSpec(
                            parameter.Name,
                            NameConventions.ToIdentifier(parameter.Name),
                            kind,
                            serviceType.ToDisplayString(s_fullyQualifiedFormat),
                            optional,
                            WireName: string.Empty,
                            TypeDisplay: string.Empty,
                            DefaultValue: null,
                            DefaultInProxy: false,
                            SuppressNullableOnPass: optional && type.NullableAnnotation == NullableAnnotation.NotAnnotated));
                        break;
                    }

                    default:
                        parameters.Add(new ParameterSpec(
                            parameter.Name,
                            NameConventions.ToIdentifier(parameter.Name),
                            kind,
                            type.ToDisplayString(s_fullyQualifiedFormat),
                            IsNullable: false,
                            WireName: string.Empty,
                            TypeDisplay: string.Empty,
                            DefaultValue: null,
                            DefaultInProxy: false,
                            SuppressNullableOnPass: false));
                        break;
                }
            }

            // A default can be carried to the proxy only when every later argument has one too (C# puts
            // optional parameters last; [Optional, DefaultParameterValue] can put one earlier).
            var trailing = true;
            for (var i = parameters.Count - 1; i >= 0; i--)
            {
                if (parameters[i].Kind != TaskParameterKind.Argument)
                {
                    continue;
                }

                trailing &= parameters[i].HasDefault;
                if (trailing)
                {
                    parameters[i] = parameters[i] with { DefaultInProxy = true };
                }
            }

            return parameters.ToEquatableArray();
        }

        private static bool IsNullable(ITypeSymbol type) =>
            type.IsValueType
                ? type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
                : type.NullableAnnotation == NullableAnnotation.Annotated;

        /// <summary>A constant of <paramref name="type"/> as a value: a parameter's default, or an enum value of an attribute.</summary>
        private static ConstantSpec ReadConstant(ITypeSymbol type, object? value)
        {
            if (value is null)
            {
                var isNullable = type.IsReferenceType || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
                return new ConstantSpec(isNullable ? ConstantKind.Null : ConstantKind.Default, string.Empty);
            }

            var underlying = type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
                ? nullable.TypeArguments[0]
                : type;
            var enumType = underlying.TypeKind == TypeKind.Enum
                ? underlying.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_fullyQualifiedFormat)
                : null;
            var (kind, text) = value switch
            {
                string characters => (ConstantKind.String, characters),
                char character => (ConstantKind.Char, new string(character, 1)),
                bool boolean => (ConstantKind.Boolean, boolean ? "true" : "false"),
                float single => (ConstantKind.Single, single.ToString("R", CultureInfo.InvariantCulture)),
                double number => (ConstantKind.Double, number.ToString("R", CultureInfo.InvariantCulture)),
                decimal number => (ConstantKind.Decimal, number.ToString(CultureInfo.InvariantCulture)),
                uint number => (ConstantKind.UInt32, number.ToString(CultureInfo.InvariantCulture)),
                long number => (ConstantKind.Int64, number.ToString(CultureInfo.InvariantCulture)),
                ulong number => (ConstantKind.UInt64, number.ToString(CultureInfo.InvariantCulture)),
                IFormattable number => (ConstantKind.Integer, number.ToString(null, CultureInfo.InvariantCulture)),
                _ => (ConstantKind.Other, Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
            };
            return new ConstantSpec(kind, text, enumType);
        }
    }
}
