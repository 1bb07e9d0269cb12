namespace TaskFlow.Generators.Model;

/// <summary>One <c>[Periodic]</c> of a task, as the registration emits it.</summary>
/// <param name="Name">The schedule's name (the attribute's <c>Name</c>, else the task's name).</param>
/// <param name="Cron">The cron expression, or <c>null</c>.</param>
/// <param name="Every">The interval as written, or <c>null</c>.</param>
/// <param name="TimeZone">The time zone id, or <c>null</c>.</param>
/// <param name="Overlap">The overlap policy's value.</param>
/// <param name="CatchUp">The catch-up policy's value.</param>
/// <param name="CatchUpWindow">The catch-up window as written, or <c>null</c>.</param>
/// <param name="Arguments">The constant arguments as C# literals, one per wire parameter; <c>null</c> when none are given.</param>
internal sealed record PeriodicSpec(
    string Name,
    string? Cron,
    string? Every,
    string? TimeZone,
    int Overlap,
    int CatchUp,
    string? CatchUpWindow,
    EquatableArray<string>? Arguments);
