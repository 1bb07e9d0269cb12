using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace TaskFlow.Generators;

/// <summary>
/// The template language of <c>[Task(EntityKey = "note:{noteId}")]</c>: fixed text and holes, each hole the name of a
/// parameter whose value fills it (<c>{@class}</c> names parameter <c>class</c>); <c>{{</c> and <c>}}</c> are literal
/// braces. A hole holds a name only: no format, expression or spaces. The fixed text is at most
/// <see cref="MaxFixedLength"/> characters.
/// </summary>
/// <remarks>
/// Plain text in, segments or the first error out (TF0015): no symbols, so it is tested on its own. Whether a hole
/// names a message argument of a suitable type (TF0014, TF0016) is the parser's, which binds the holes to the
/// method's parameters with <see cref="Bind{T}"/>.
/// </remarks>
internal sealed class EntityKeyTemplate
{
    /// <summary>The longest fixed text a template may have: an entity key is at most this many characters.</summary>
    public const int MaxFixedLength = 255;

    private EntityKeyTemplate(string text, ImmutableArray<EntityKeySegment> segments, EntityKeyTemplateError? error)
    {
        Text = text;
        Segments = segments;
        Error = error;
        Holes = segments.Where(static segment => segment.IsHole).Distinct().ToImmutableArray();
    }

    /// <summary>The template as written.</summary>
    public string Text { get; }

    /// <summary>The fixed text and holes in order, adjacent text merged; empty when the template is malformed.</summary>
    public ImmutableArray<EntityKeySegment> Segments { get; }

    /// <summary>The distinct holes in the order they first appear (a hole may be used more than once).</summary>
    public ImmutableArray<EntityKeySegment> Holes { get; }

    /// <summary>The first problem found, or <c>null</c> when the template is well formed.</summary>
    public EntityKeyTemplateError? Error { get; }

    public bool IsValid => Error is null;

    /// <summary>The fixed text alone, braces unescaped: the whole key when the template has no holes.</summary>
    public string FixedText => string.Concat(Segments.Where(static segment => !segment.IsHole).Select(static segment => segment.Text));

    /// <summary>Splits <paramref name="template"/> into fixed text and holes, or finds the first reason it is malformed.</summary>
    public static EntityKeyTemplate Parse(string template)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            return Fail(template, EntityKeyTemplateErrorKind.Empty, -1, "it is empty or whitespace, and an entity key must have text");
        }

        var segments = ImmutableArray.CreateBuilder<EntityKeySegment>();
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
                    return Fail(template, EntityKeyTemplateErrorKind.UnclosedBrace, i, "the '{' at index " + index + " is not closed by a '}' (write '{{' for a literal brace)");
                }

                var name = template.Substring(i + 1, close - i - 1);
                if (name.Length == 0)
                {
                    return Fail(template, EntityKeyTemplateErrorKind.EmptyHole, i, "the placeholder '{}' at index " + index + " is empty; name a message argument, e.g. '{noteId}' (or write '{{' and '}}' for literal braces)");
                }

                if (!SyntaxFacts.IsValidIdentifier(name.StartsWith("@", StringComparison.Ordinal) ? name.Substring(1) : name))
                {
                    return Fail(template, EntityKeyTemplateErrorKind.InvalidHoleName, i, "the placeholder '{" + name + "}' at index " + index + " is not a parameter name; placeholders hold a parameter name only (no format, expression or spaces)");
                }

                if (text.Length > 0)
                {
                    fixedLength += text.Length;
                    segments.Add(EntityKeySegment.Literal(text.ToString()));
                    text.Clear();
                }

                segments.Add(EntityKeySegment.Hole(name));
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

                return Fail(template, EntityKeyTemplateErrorKind.UnopenedBrace, i, "the '}' at index " + i.ToString(CultureInfo.InvariantCulture) + " closes no placeholder (write '}}' for a literal brace)");
            }

            text.Append(c);
        }

        if (text.Length > 0)
        {
            fixedLength += text.Length;
            segments.Add(EntityKeySegment.Literal(text.ToString()));
        }

        if (fixedLength > MaxFixedLength)
        {
            return Fail(
                template,
                EntityKeyTemplateErrorKind.FixedTextTooLong,
                -1,
                "its fixed text is " + fixedLength.ToString(CultureInfo.InvariantCulture) + " characters long, and an entity key is at most " + MaxFixedLength.ToString(CultureInfo.InvariantCulture));
        }

        return new EntityKeyTemplate(template, segments.ToImmutable(), null);
    }

    /// <summary>
    /// Pairs each of <see cref="Holes"/> with the parameter it names (ordinal, as C# compares names), or with <c>null</c>
    /// when none of <paramref name="parameters"/> has that name.
    /// </summary>
    public ImmutableArray<(EntityKeySegment Hole, T? Parameter)> Bind<T>(IEnumerable<T> parameters, Func<T, string> nameOf)
        where T : class
    {
        var candidates = parameters.ToList();
        return Holes
            .Select(hole => (hole, (T?)candidates.FirstOrDefault(candidate => string.Equals(nameOf(candidate), hole.ParameterName, StringComparison.Ordinal))))
            .ToImmutableArray();
    }

    private static EntityKeyTemplate Fail(string template, EntityKeyTemplateErrorKind kind, int index, string message) =>
        new(template, ImmutableArray<EntityKeySegment>.Empty, new EntityKeyTemplateError(kind, index, message));
}
