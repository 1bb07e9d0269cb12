namespace TaskFlow.Generators.Model;

/// <summary>From <c>[Task(Ordered = true, OrderKey = "account:{accountId}")]</c>, checked.</summary>
/// <param name="Key">The key template bound to the task's arguments, or <c>null</c> (the task as a whole is one sequence).</param>
internal sealed record OrderSpec(EntityKeySpec? Key);
