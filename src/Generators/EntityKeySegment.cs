namespace TaskFlow.Generators;

/// <summary>One piece of an <see cref="EntityKeyTemplate"/>: fixed text, or a hole that a parameter's value fills.</summary>
/// <param name="Text">The fixed text with its escaped braces undone (<c>{{</c> is <c>{</c>), or the hole's name as written (<c>noteId</c>, <c>@class</c>).</param>
/// <param name="IsHole">Whether this is a hole (<c>{name}</c>) rather than fixed text.</param>
internal sealed record EntityKeySegment(string Text, bool IsHole)
{
    /// <summary>The name of the parameter a hole names: its text without a leading <c>@</c> (<c>{@class}</c> names <c>class</c>).</summary>
    public string ParameterName => IsHole && Text.StartsWith("@", System.StringComparison.Ordinal) ? Text.Substring(1) : Text;

    public static EntityKeySegment Literal(string text) => new(text, IsHole: false);

    public static EntityKeySegment Hole(string name) => new(name, IsHole: true);
}
