using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TaskFlow.Generators.Model;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        /// <summary>
        /// Reads <c>[Task(EntityKey = "note:{noteId}")]</c>: checks the template (TF0015), that every placeholder names a
        /// message argument (TF0014) of a type with one stable text (TF0016), and builds the expression that formats it.
        /// </summary>
        private static EntityKeySpec? ReadEntityKey(string template, IMethodSymbol method, string methodDisplay, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            var (parts, malformed) = ParseEntityKeyTemplate(template);
            if (parts is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MalformedEntityKey, location, FormatLiteral(template), methodDisplay, malformed!));
                return null;
            }

            var arguments = method.Parameters.Where(static parameter => DescribeUnsupportedParameter(parameter) is null && Classify(parameter) == ParameterKind.Argument).ToList();
            var argumentList = arguments.Count == 0
                ? "the task has no message arguments"
                : "its message arguments: " + string.Join(", ", arguments.Select(static argument => argument.Name));
            var valid = true;
            var holes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var placeholder in parts.Where(static part => part.IsPlaceholder).Select(static part => part.Text).Distinct(StringComparer.Ordinal))
            {
                var shown = "{" + placeholder + "}";
                var name = placeholder.StartsWith("@", StringComparison.Ordinal) ? placeholder.Substring(1) : placeholder;
                var parameter = method.Parameters.FirstOrDefault(candidate => candidate.Name == name);
                if (parameter is null)
                {
                    var similar = arguments.FirstOrDefault(candidate => string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase));
                    var problem = similar is null ? "does not name a parameter" : "does not name a parameter (did you mean '" + similar.Name + "'?)";
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EntityKeyPlaceholderNotAnArgument, location, shown, methodDisplay, problem, argumentList));
                    valid = false;
                    continue;
                }

                if (DescribeUnsupportedParameter(parameter) is not null)
                {
                    // TF0003 reports the parameter itself.
                    valid = false;
                    continue;
                }

                var kind = Classify(parameter);
                if (kind != ParameterKind.Argument)
                {
                    var injected = kind switch
                    {
                        ParameterKind.CancellationToken => "the cancellation token",
                        ParameterKind.Context => "the task context",
                        _ => "a service resolved from DI",
                    };
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.EntityKeyPlaceholderNotAnArgument,
                        location,
                        shown,
                        methodDisplay,
                        "names parameter '" + parameter.Name + "', which is injected (" + injected + "), not a message argument",
                        argumentList));
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
                        typeProblem));
                    valid = false;
                    continue;
                }

                // DateOnly's invariant default is MM/dd/yyyy; keys use ISO 8601.
                var format = IsType(parameter.Type, "System", "DateOnly") ? ":yyyy-MM-dd" : string.Empty;
                holes[placeholder] = "{" + NameConventions.ToIdentifier(parameter.Name) + format + "}";
            }

            if (!valid)
            {
                return null;
            }

            if (holes.Count == 0)
            {
                // No placeholders: one key for every call.
                return new EntityKeySpec(template, FormatLiteral(string.Concat(parts.Select(static part => part.Text))));
            }

            var interpolated = new StringBuilder("$\"");
            foreach (var (text, isPlaceholder) in parts)
            {
                if (isPlaceholder)
                {
                    interpolated.Append(holes[text]);
                    continue;
                }

                var literal = SymbolDisplay.FormatLiteral(text, quote: true);
                interpolated.Append(literal.Substring(1, literal.Length - 2).Replace("{", "{{").Replace("}", "}}"));
            }

            interpolated.Append('"');
            return new EntityKeySpec(template, "global::System.String.Create(global::System.Globalization.CultureInfo.InvariantCulture, " + interpolated + ")");
        }

        /// <summary>
        /// Splits an entity key template into fixed text and placeholders (<c>{name}</c>; <c>{{</c> and <c>}}</c> are literal
        /// braces). Returns the problem instead when it is malformed.
        /// </summary>
        internal static (List<(string Text, bool IsPlaceholder)>? Parts, string? Problem) ParseEntityKeyTemplate(string template)
        {
            const int MaxEntityKeyLength = 255;
            if (string.IsNullOrWhiteSpace(template))
            {
                return (null, "it is empty or whitespace, and an entity key must have text");
            }

            var parts = new List<(string Text, bool IsPlaceholder)>();
            var text = new StringBuilder();
            var fixedLength = 0;
            for (var i = 0; i < template.Length; i++)
            {
                var c = template[i];
                if (c == '{')
                {
                    if (i + 1 < template.Length && template[i + 1] == '{')
                    {
                        text.Append('{');
                        i++;
                        continue;
                    }

                    var index = i.ToString(CultureInfo.InvariantCulture);
                    var close = template.IndexOf('}', i + 1);
                    var nextOpen = template.IndexOf('{', i + 1);
                    if (close < 0 || (nextOpen >= 0 && nextOpen < close))
                    {
                        return (null, "the '{' at index " + index + " is not closed by a '}' (write '{{' for a literal brace)");
                    }

                    var name = template.Substring(i + 1, close - i - 1);
                    if (name.Length == 0)
                    {
                        return (null, "the placeholder '{}' at index " + index + " is empty; name a message argument, e.g. '{noteId}' (or write '{{' and '}}' for literal braces)");
                    }

                    if (!SyntaxFacts.IsValidIdentifier(name.StartsWith("@", StringComparison.Ordinal) ? name.Substring(1) : name))
                    {
                        return (null, "the placeholder '{" + name + "}' at index " + index + " is not a parameter name; placeholders hold a parameter name only (no format, expression or spaces)");
                    }

                    if (text.Length > 0)
                    {
                        fixedLength += text.Length;
                        parts.Add((text.ToString(), false));
                        text.Clear();
                    }

                    parts.Add((name, true));
                    i = close;
                    continue;
                }

                if (c == '}')
                {
                    if (i + 1 < template.Length && template[i + 1] == '}')
                    {
                        text.Append('}');
                        i++;
                        continue;
                    }

                    return (null, "the '}' at index " + i.ToString(CultureInfo.InvariantCulture) + " closes no placeholder (write '}}' for a literal brace)");
                }

                text.Append(c);
            }

            if (text.Length > 0)
            {
                fixedLength += text.Length;
                parts.Add((text.ToString(), false));
            }

            if (fixedLength > MaxEntityKeyLength)
            {
                return (null, "its fixed text is " + fixedLength.ToString(CultureInfo.InvariantCulture) + " characters long, and an entity key is at most " + MaxEntityKeyLength.ToString(CultureInfo.InvariantCulture));
            }

            return (parts, null);
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

            if (IsType(type, "System", "Guid") || IsType(type, "System", "DateOnly") || IsType(type, "System", "Int128") || IsType(type, "System", "UInt128"))
            {
                return null;
            }

            if (IsType(type, "System", "Half"))
            {
                return "binary floating-point numbers have no stable text for one value; use an integer, a decimal or a string";
            }

            if (IsType(type, "System", "DateTimeOffset") || IsType(type, "System", "TimeOnly") || IsType(type, "System", "TimeSpan"))
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
