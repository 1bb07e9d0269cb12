namespace TaskFlow.Generators.Model;

/// <summary>The entity key a task declares with <c>[Task(EntityKey = "note:{noteId}")]</c>, checked and bound to the task's arguments.</summary>
/// <param name="Template">The template as written, for the generated documentation.</param>
/// <param name="Parts">
/// The fixed text and the arguments in order. The emitter formats them with the invariant culture over the proxy's
/// argument identifiers; with no argument among them, the key is the same text for every call.
/// </param>
internal sealed record EntityKeySpec(string Template, EquatableArray<EntityKeyPartSpec> Parts);
