using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;
using TaskFlow.Generators.Model;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    // Writes the values the specs carry as C# source: constants, seconds, entity keys and declaration keywords.
    internal static partial class Emitter
    {
        /// <summary>E.g. <c>global::System.TimeSpan.FromSeconds(30D)</c>.</summary>
        private static string TimeSpanExpression(double seconds) =>
            "global::System.TimeSpan.FromSeconds(" + FloatingLiteral("double", seconds.ToString("R", CultureInfo.InvariantCulture), "D") + ")";

        /// <summary>One entry of a retry schedule: <see cref="double.NaN"/> (no number in the source) is <c>TimeSpan.Zero</c>.</summary>
        private static string ScheduleStep(double seconds) =>
            double.IsNaN(seconds) ? "global::System.TimeSpan.Zero" : TimeSpanExpression(seconds);

        /// <summary>
        /// A constant as a C# expression of its type: <c>"text"</c>, <c>1.5D</c>, <c>4000000000U</c>, <c>null</c>,
        /// <c>default</c>, an enum member (<c>global::TaskFlow.RetryBackoff.Fixed</c>) or a cast (<c>(global::Ns.Color)(-1)</c>).
        /// </summary>
        private static string ConstantExpression(ConstantSpec constant)
        {
            if (constant.EnumType is { } enumType && constant.EnumMember is { } member)
            {
                return enumType + "." + NameConventions.ToIdentifier(member);
            }

            switch (constant.Kind)
            {
                case ConstantKind.Null:
                    return "null";
                case ConstantKind.Default:
                    return "default";
            }

            var literal = ConstantLiteral(constant.Kind, constant.Value);
            if (constant.EnumType is null)
            {
                return literal;
            }

            return "(" + constant.EnumType + ")" + (literal.StartsWith("-", System.StringComparison.Ordinal) ? "(" + literal + ")" : literal);
        }

        private static string ConstantLiteral(ConstantKind kind, string value) => kind switch
        {
            ConstantKind.String => SymbolDisplay.FormatLiteral(value, quote: true),
            ConstantKind.Char => SymbolDisplay.FormatLiteral(value[0], quote: true),
            ConstantKind.Single => FloatingLiteral("float", value, "F"),
            ConstantKind.Double => FloatingLiteral("double", value, "D"),
            ConstantKind.Decimal => value + "M",
            ConstantKind.UInt32 => value + "U",
            ConstantKind.Int64 => value + "L",
            ConstantKind.UInt64 => value + "UL",
            ConstantKind.Other when value.Length == 0 => "default",

            // Boolean (true/false) and Integer are written as they are.
            _ => value,
        };

        /// <summary>A <c>float</c> or <c>double</c> from its round-trip text: <c>1.5D</c>, or <c>double.NaN</c> and the infinities by name.</summary>
        private static string FloatingLiteral(string keyword, string value, string suffix)
        {
            var invariant = NumberFormatInfo.InvariantInfo;
            return value == invariant.NaNSymbol ? keyword + ".NaN"
                : value == invariant.PositiveInfinitySymbol ? keyword + ".PositiveInfinity"
                : value == invariant.NegativeInfinitySymbol ? keyword + ".NegativeInfinity"
                : value + suffix;
        }

        /// <summary>
        /// The entity key as a <c>string</c> expression over the proxy's argument identifiers: a literal when it has no
        /// argument, else <c>global::System.String.Create(global::System.Globalization.CultureInfo.InvariantCulture, $"note:{noteId}")</c>.
        /// </summary>
        private static string EntityKeyExpression(EntityKeySpec key)
        {
            if (!key.Parts.Any(static part => part.IsArgument))
            {
                return Literal(string.Concat(key.Parts.Select(static part => part.Text)));
            }

            var interpolated = new StringBuilder("$\"");
            foreach (var part in key.Parts)
            {
                if (part.IsArgument)
                {
                    interpolated.Append('{').Append(NameConventions.ToIdentifier(part.Text));
                    if (part.Format is not null)
                    {
                        interpolated.Append(':').Append(part.Format);
                    }

                    interpolated.Append('}');
                    continue;
                }

                var literal = Literal(part.Text);
                interpolated.Append(literal.Substring(1, literal.Length - 2).Replace("{", "{{").Replace("}", "}}"));
            }

            interpolated.Append('"');
            return "global::System.String.Create(global::System.Globalization.CultureInfo.InvariantCulture, " + interpolated + ")";
        }

        /// <summary>The keywords that reopen a containing type as partial (<c>ref</c> comes before <c>partial</c>).</summary>
        private static string DeclarationKeywords(TypeDeclarationKind kind) => kind switch
        {
            TypeDeclarationKind.Struct => "partial struct",
            TypeDeclarationKind.RefStruct => "ref partial struct",
            TypeDeclarationKind.Interface => "partial interface",
            TypeDeclarationKind.Record => "partial record",
            TypeDeclarationKind.RecordStruct => "partial record struct",
            _ => "partial class",
        };
    }
}
