using System;

namespace TaskFlow.State.Worker;

/// <summary>A task with a <c>[Sensitive]</c> argument, for the redaction tests.</summary>
public static partial class StateTasks
{
    /// <summary>Fails (no retries: dead-lettered) so that its message can be read back from the dead-letter queue.</summary>
    [Task(Name = "state_tests.sensitive_fail")]
    public static void SensitiveFail(string key, [Sensitive] string password, int visible)
    {
        Count(key);
        throw new InvalidOperationException("sensitive task failed on purpose: " + key);
    }
}
