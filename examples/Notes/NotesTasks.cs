using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskFlow;
using TaskFlow.Scheduling;

namespace Notes;

/// <summary>The background operation of the seeds' notes example: copy a note N times.</summary>
public static partial class NotesTasks
{
    /// <summary>
    /// Copies a note. Takes the id, not the note (the note may change or go away while the task waits). The
    /// copies are written in the task's own transaction, committed together with the task's completion record:
    /// a redelivery after a crash never makes 20 copies. Slow on purpose (200 ms per copy), so that there is
    /// time for a conflicting delete. It declares the entity it works on: every call, whatever its options, is recorded
    /// as pending for <c>note:{noteId}</c>, so that a delete can lock the note or revoke what is pending on it.
    /// It is also unique per source note: while a copy of a note is pending or running, another request to copy that note
    /// (a double click, a retried HTTP request) sends nothing and gets the pending copy's handle
    /// (<c>TaskHandle.Deduplicated</c>); once it is done, the next request is a new copy.
    /// </summary>
    [Task(Queue = "notes", EntityKey = "note:{noteId}", Unique = "copy:{noteId}")]
    public static async Task<int> CopyNote(int noteId, int copies, [FromServices] NoteStore notes, ILoggerFactory loggers, TaskContext context, CancellationToken cancellationToken)
    {
        var log = loggers.CreateLogger("Notes.CopyNote");
        var transaction = await context.GetTransactionAsync(cancellationToken);
        var note = await notes.FindAsync(noteId, transaction, cancellationToken);
        if (note is null)
        {
            // The seeds' failure: the user asked for copies of a note that was deleted before the task ran.
            NotesLog.NoteGone(log, noteId, copies, context.TaskId);
            return 0;
        }

        for (var i = 1; i <= copies; i++)
        {
            await NoteStore.CopyAsync(note, i, transaction, cancellationToken);
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        NotesLog.Copied(log, noteId, copies, context.TaskId);
        return copies;
    }

    /// <summary>
    /// The nightly clean-up: deletes copies whose original note is gone. A periodic task: 03:00 in Paris (a night
    /// without 03:00 local time does not exist; on the autumn night it runs once). With <c>AddScheduler()</c> in any
    /// number of processes, exactly one fires it; a night missed while everything was down runs once at the next start.
    /// </summary>
    [Task(Queue = "notes")]
    [Periodic("0 3 * * *", TimeZone = "Europe/Paris", Overlap = OverlapPolicy.Skip, CatchUp = CatchUpPolicy.RunOnce)]
    public static async Task<int> PurgeOrphanCopies([FromServices] NoteStore notes, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var purged = await notes.DeleteOrphanCopiesAsync(cancellationToken);
        NotesLog.Purged(loggers.CreateLogger("Notes.PurgeOrphanCopies"), purged);
        return purged;
    }
}

internal static partial class NotesLog
{
    [LoggerMessage(1, LogLevel.Warning, "[note {NoteId}] is gone: none of the {Copies} copies could be made (task {TaskId})")]
    public static partial void NoteGone(ILogger logger, int noteId, int copies, string taskId);

    [LoggerMessage(2, LogLevel.Information, "[note {NoteId}] copied {Copies} times (task {TaskId})")]
    public static partial void Copied(ILogger logger, int noteId, int copies, string taskId);

    [LoggerMessage(3, LogLevel.Information, "nightly clean-up: {Count} copies of deleted notes purged")]
    public static partial void Purged(ILogger logger, int count);
}
