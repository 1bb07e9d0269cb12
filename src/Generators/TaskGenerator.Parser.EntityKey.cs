using System;
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
        /// <summary>
        /// Reads <c>[Task(EntityKey = "note:{noteId}")]</c>: checks the template (TF0015, <see cref="EntityKeyTemplate"/>),
        /// that every placeholder names a message argument (TF0014) of a type with one stable text (TF0016), and binds the
        /// parts to those arguments. <paramref name="property"/>: the attribute property, <c>EntityKey</c> or <c>ConcurrencyKey</c>
        /// (the same template language), for the diagnostics.
        /// </summary>
        private static EntityKeySpec? ReadEntityKey(string template, IMethodSymbol method, string methodDisplay, LocationInfo? location, List<DiagnosticInfo> diagnostics, string property = "EntityKey")
        {
            var key = EntityKeyTemplate.Parse(template);
            if (key.Error is { } malformed)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MalformedEntityKey, location, SymbolDisplay.FormatLiteral(template, quote: true), methodDisplay, malformed.Message, property));
                return null;
            }

            var arguments = method.Parameters.Where(static parameter => TaskParameterRules.DescribeUnsupported(parameter) is null && TaskParameterRules.Classify(parameter) == TaskParameterKind.Argument).ToList();
            var argumentList = arguments.Count == 0
                ? "the task has no message arguments"
                : "its message arguments: " + string.Join(", ", arguments.Select(static argument => argument.Name));
            var valid = true;
            var holes = new Dictionary<string, EntityKeyPartSpec>(StringComparer.Ordinal);
            foreach (var (hole, parameter) in key.Bind(method.Parameters, static parameter => parameter.Name))
            {
                var shown = "{" + hole.Text + "}";
                if (parameter is null)
                {
                    var similar = arguments.FirstOrDefault(candidate => string.Equals(candidate.Name, hole.ParameterName, StringComparison.OrdinalIgnoreCase));
                    var problem = similar is null ? "does not name a parameter" : "does not name a parameter (did you mean '" + similar.Name + "'?)";
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EntityKeyPlaceholderNotAnArgument, location, shown, methodDisplay, problem, argumentList, property));
                    valid = false;
                    continue;
                }

                if (TaskParameterRules.DescribeUnsupported(parameter) is not null)
                {
                    // TF0003 reports the parameter itself.
                    valid = false;
                    continue;
                }

                var kind = TaskParameterRules.Classify(parameter);
                if (kind != TaskParameterKind.Argument)
                {
                    var injected = kind switch
                    {
                        TaskParameterKind.CancellationToken => "the cancellation token",
                        TaskParameterKind.Context => "the task context",
                        _ => "a service resolved from DI",
                    };
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.EntityKeyPlaceholderNotAnArgument,
                        location,
                        shown,
                        methodDisplay,
                        "names parameter '" + parameter.Name + "', which is injected (" + injected + "), not a message argument",
                        argumentList,
                        property));
                    valid = false;
                    continue;
                }

                if (parameter.Type.TypeKind == TypeKind.Error)
                {
                    valid = false;
                    continue;
                }

                var typeProblem = DescribeUnsupportedKeyType(parameter.Type);
                if (typeProblem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.EntityKeyPlaceholderType,
                        location,
                        shown,
                        methodDisplay,
                        parameter.Name,
                        parameter.Type.ToDisplayString(s_typeDisplayFormat),
                        typeProblem,
                        property));
                    valid = false;
                    continue;
                }

                // DateOnly's invariant default is MM/dd/yyyy; keys use ISO 8601.
                var format = TypeNames.IsType(parameter.Type, "System", "DateOnly") ? "yyyy-MM-dd" : null;
                holes[hole.Text] = new EntityKeyPartSpec(parameter.Name, IsArgument: true, format);
            }

            if (!valid)
            {
                return null;
            }

            var parts = key.Segments.Select(segment => segment.IsHole ? holes[segment.Text] : new EntityKeyPartSpec(segment.Text, IsArgument: false, Format: null));
            return new EntityKeySpec(template, parts.ToEquatableArray());
        }

        /// <summary>Why a message argument's type cannot be a placeholder of an entity key, or <c>null</c> when it can (docs/generator.md).</summary>
        private static string? DescribeUnsupportedKeyType(ITypeSymbol type)
        {
            if (IsNullable(type))
            {
                return "it is nullable, and a key needs a value (a null would make one key for every call without one)";
            }

            if (type.TypeKind == TypeKind.Enum)
            {
                return null;
            }

            switch (type.SpecialType)
            {
                case SpecialType.System_String:
                case SpecialType.System_Char:
                case SpecialType.System_Boolean:
                case SpecialType.System_SByte:
                case SpecialType.System_Byte:
                case SpecialType.System_Int16:
                case SpecialType.System_UInt16:
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Int64:
                case SpecialType.System_UInt64:
                case SpecialType.System_IntPtr:
                case SpecialType.System_UIntPtr:
                case SpecialType.System_Decimal:
                    return null;
                case SpecialType.System_Single:
                case SpecialType.System_Double:
                    return "binary floating-point numbers have no stable text for one value; use an integer, a decimal or a string";
                case SpecialType.System_DateTime:
                    return "a point in time has no one text for one entity (kind, offset and precision vary); use DateOnly or a string";
            }

            if (TypeNames.IsType(type, "System", "Guid") || TypeNames.IsType(type, "System", "DateOnly") || TypeNames.IsType(type, "System", "Int128") || TypeNames.IsType(type, "System", "UInt128"))
            {
                return null;
            }

            if (TypeNames.IsType(type, "System", "Half"))
            {
                return "binary floating-point numbers have no stable text for one value; use an integer, a decimal or a string";
            }

            if (TypeNames.IsType(type, "System", "DateTimeOffset") || TypeNames.IsType(type, "System", "TimeOnly") || TypeNames.IsType(type, "System", "TimeSpan"))
            {
                return "a point in time has no one text for one entity (kind, offset and precision vary); use DateOnly or a string";
            }

            if (type is IArrayTypeSymbol || type.SpecialType == SpecialType.System_Collections_IEnumerable || type.AllInterfaces.Any(static candidate => candidate.SpecialType == SpecialType.System_Collections_IEnumerable))
            {
                return "a collection is many values, not the id of one entity";
            }

            return "only strings, chars, bools, integers, decimals, Guids, enums and DateOnly values make keys; pass the entity's id as an argument of its own";
        }
    }
}
