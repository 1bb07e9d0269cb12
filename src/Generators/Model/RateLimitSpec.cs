namespace TaskFlow.Generators.Model;

/// <summary>From <c>[Task(RateLimit = "100/m", RateLimitKey = "tenant:{tenantId}", RateLimitBurst = n)]</c>, checked.</summary>
/// <param name="Count">Runs per period.</param>
/// <param name="PeriodSeconds">1, 60 or 3600.</param>
/// <param name="Burst">Runs allowed at once after a quiet spell (1: none).</param>
/// <param name="Key">The key template bound to the task's arguments, or <c>null</c> (the task as a whole).</param>
internal sealed record RateLimitSpec(int Count, int PeriodSeconds, int Burst, EntityKeySpec? Key);
