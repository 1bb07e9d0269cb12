namespace TaskFlow.Generators;

/// <summary>Why an entity key template is malformed: the first problem found, from left to right.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Index">Where in the template: the index of the offending brace, or of the <c>{</c> that opens the hole; -1 when the problem is the whole template (empty, too long).</param>
/// <param name="Message">The problem as TF0015 states it, e.g. <c>the '{' at index 5 is not closed by a '}' (write '{{' for a literal brace)</c>.</param>
internal sealed record EntityKeyTemplateError(EntityKeyTemplateErrorKind Kind, int Index, string Message);
