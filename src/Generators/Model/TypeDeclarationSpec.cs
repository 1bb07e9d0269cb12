namespace TaskFlow.Generators.Model;

/// <summary>One type declaration to reopen as partial.</summary>
/// <param name="Kind">What kind of type it is, which says the keywords that reopen it.</param>
/// <param name="Name">The type name as declared (no <c>@</c>).</param>
internal sealed record TypeDeclarationSpec(TypeDeclarationKind Kind, string Name);
