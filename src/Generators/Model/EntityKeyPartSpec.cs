namespace TaskFlow.Generators.Model;

/// <summary>One part of an entity key: fixed text, or a message argument's value.</summary>
/// <param name="Text">The fixed text (braces unescaped), or the argument's name as declared (no <c>@</c>).</param>
/// <param name="IsArgument">Whether this part is an argument's value rather than fixed text.</param>
/// <param name="Format">The .NET format string for the argument's value, e.g. <c>yyyy-MM-dd</c> for a <c>DateOnly</c>; <c>null</c> for its default text.</param>
internal sealed record EntityKeyPartSpec(string Text, bool IsArgument, string? Format);
