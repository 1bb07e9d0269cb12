using System;

namespace TaskFlow.Scheduling;

/// <summary>A schedule and where it stands, as the state store keeps it.</summary>
/// <param name="Definition">What it runs and when.</param>
/// <param name="Source">Declared in code or added at run time.</param>
/// <param name="Paused">Paused: no fire is sent until it is resumed (missed fires are not caught up).</param>
/// <param name="NextFireAt">Its next fire (UTC), or <see langword="null"/> when its cron expression never fires again.</param>
/// <param name="LastFireAt">Its last fire sent, or <see langword="null"/>.</param>
/// <param name="LastTaskId">The task id of its last fire sent (what <see cref="OverlapPolicy"/> checks), or <see langword="null"/>.</param>
/// <param name="BufferedFires">Fires waiting for the previous one (<see cref="OverlapPolicy.BufferOne"/>, <see cref="OverlapPolicy.BufferAll"/>).</param>
/// <param name="CreatedAt">When it was first stored.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record ScheduleInfo(
    ScheduleDefinition Definition,
    ScheduleSource Source,
    bool Paused,
    DateTimeOffset? NextFireAt,
    DateTimeOffset? LastFireAt,
    string? LastTaskId,
    int BufferedFires,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The schedule's name.</summary>
    public string Name => Definition.Name;
}
