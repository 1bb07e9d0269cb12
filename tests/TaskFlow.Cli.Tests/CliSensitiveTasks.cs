using System;

namespace TaskFlow.Cli.Tests;

/// <summary>A task with a <c>[Sensitive]</c> argument, for the redaction tests.</summary>
public static partial class CliTasks
{
    [Task(Name = "cli_tests.sensitive")]
    [Retry(0)]
    public static void Sensitive(string key, [Sensitive] string apiToken, TaskContext context)
    {
        Runs.AddOrUpdate(context.TaskId, 1, static (_, n) => n + 1);
        throw new InvalidOperationException("failing on purpose: " + key);
    }
}
