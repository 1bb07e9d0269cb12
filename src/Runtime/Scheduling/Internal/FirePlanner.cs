using System;
using System.Collections.Generic;
using TaskFlow.Infrastructure;

namespace TaskFlow.Scheduling.Internal;

/// <summary>
/// Decides one tick of one schedule: which fires are due, which of them were missed (and what the catch-up policy
/// keeps), and what the overlap policy does with each; the store applies the result in one transaction. Pure: no I/O,
/// no clock (the time is passed in).
/// </summary>
internal static class FirePlanner
{
    public static ScheduleStep Plan(DueSchedule schedule, TaskDescriptor task, DateTimeOffset now, TimeSpan misfireThreshold, int maxFires)
    {
        var definition = schedule.Definition;
        var timing = ScheduleTiming.Parse(definition.Name, definition.Cron, definition.Every, definition.TimeZone);

        var running = schedule.LastTaskId is not null && !schedule.LastTaskFinal;
        var lastTaskId = schedule.LastTaskId;
        DateTimeOffset? lastFireAt = null;
        var buffered = schedule.Buffered;
        PlannedFire? released = null;
        if (!running && buffered > 0 && schedule.OldestBufferedAt is { } oldest)
        {
            // The previous fire is final: the oldest waiting fire goes now.
            released = new PlannedFire(ScheduleIds.TaskId(definition.Name, oldest), oldest, ScheduleFireStatus.Sent);
            buffered--;
            running = true;
            lastTaskId = released.TaskId;
            lastFireAt = oldest;
        }

        // The due fires, oldest first, at most maxFires (the rest at the next tick).
        var due = new List<DateTimeOffset>();
        var next = schedule.NextFireAt;
        while (next is { } at && at <= now && due.Count < maxFires)
        {
            due.Add(at);
            next = timing.Next(at);
        }

        var run = new List<DateTimeOffset>(due.Count);
        var missed = 0;
        foreach (var at in due)
        {
            var late = now - at > misfireThreshold;
            if (!late)
            {
                run.Add(at);
                continue;
            }

            switch (definition.CatchUp)
            {
                case CatchUpPolicy.RunAll when now - at <= definition.CatchUpWindow:
                    run.Add(at);
                    break;
                case CatchUpPolicy.RunOnce when !due.Exists(other => other > at && now - other > misfireThreshold):
                    run.Add(at); // the latest missed fire stands for all of them
                    break;
                default:
                    missed++;
                    break;
            }
        }

        var fires = new List<PlannedFire>(run.Count);
        var revoke = new List<string>();
        foreach (var at in run)
        {
            var id = ScheduleIds.TaskId(definition.Name, at);
            var status = definition.Overlap switch
            {
                OverlapPolicy.AllowAll => ScheduleFireStatus.Sent,
                OverlapPolicy.Skip => running ? ScheduleFireStatus.Skipped : ScheduleFireStatus.Sent,
                OverlapPolicy.BufferOne => !running ? ScheduleFireStatus.Sent : buffered == 0 ? ScheduleFireStatus.Buffered : ScheduleFireStatus.Skipped,
                OverlapPolicy.BufferAll => running ? ScheduleFireStatus.Buffered : ScheduleFireStatus.Sent,
                OverlapPolicy.CancelOther => ScheduleFireStatus.Sent,
                _ => ScheduleFireStatus.Skipped,
            };
            if (definition.Overlap == OverlapPolicy.CancelOther && running && lastTaskId is not null)
            {
                revoke.Add(lastTaskId);
            }

            if (status == ScheduleFireStatus.Sent)
            {
                running = true;
                lastTaskId = id;
                lastFireAt = at;
            }
            else if (status == ScheduleFireStatus.Buffered)
            {
                buffered++;
            }

            fires.Add(new PlannedFire(id, at, status));
        }

        return new ScheduleStep(
            definition,
            task,
            schedule.Version,
            next,
            fires,
            released,
            revoke,
            lastFireAt is null ? null : lastTaskId,
            lastFireAt,
            buffered,
            missed);
    }
}
