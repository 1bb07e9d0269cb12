namespace TaskFlow.Generators.Model;

/// <summary>What <c>[Task(Unique = "note:{noteId}", UniqueFor = 300, UniqueScope = ...)]</c> declares, checked.</summary>
/// <param name="Key">The key template, bound to the task's arguments (the language of entity keys).</param>
/// <param name="Scope">The <c>TaskFlow.UniqueScope</c> value: 0 while pending or running, 1 while pending, 2 for the period.</param>
/// <param name="ForSeconds">From <c>UniqueFor</c>: seconds the key is held at most; 0 for no period.</param>
internal sealed record UniqueSpec(EntityKeySpec Key, int Scope, int ForSeconds);
