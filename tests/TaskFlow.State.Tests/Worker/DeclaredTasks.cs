using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.State.Worker;

/// <summary>
/// Tasks that declare their entity key and their ignored result in <c>[Task]</c> instead of per call
/// (AttributeDeclaredTests). Runs are counted in <see cref="StateTasks.Runs"/>.
/// </summary>
public static partial class DeclaredTasks
{
    /// <summary>The notes example's copy: every call is recorded for the entity <c>note:{noteId}</c>.</summary>
    [Task(Name = "state_tests.declared.copy_note", EntityKey = "note:{noteId}")]
    public static async Task<int> CopyNote(int noteId, int copies, string key, CancellationToken cancellationToken)
    {
        StateTasks.Runs.AddOrUpdate(key, 1, static (_, n) => n + 1);
        await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        return copies;
    }

    /// <summary>Returns a value nobody needs: the result is never kept, whichever client sent it.</summary>
    [Task(Name = "state_tests.declared.ignored", IgnoreResult = true)]
    public static int Ignored(int a, int b) => a + b;

    /// <summary>Keeps its result even when <c>TaskStateOptions.IgnoreResults</c> is on.</summary>
    [Task(Name = "state_tests.declared.kept", IgnoreResult = false)]
    public static int Kept(int a, int b) => a * b;
}
