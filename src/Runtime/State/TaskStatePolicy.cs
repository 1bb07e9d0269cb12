using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Text.RegularExpressions;

namespace TaskFlow.State;

/// <summary>Per-task settings of the state store, by task name (<see cref="TaskStateOptions.Tasks"/>).</summary>
public sealed class TaskStatePolicy
{
    /// <summary>
    /// Do not keep (<c>true</c>) or keep (<c>false</c>) this task's return value; its state is recorded either way.
    /// When set, it overrides the call's <see cref="SendOptions.IgnoreResult"/> and the task's
    /// <c>[Task(IgnoreResult = ...)]</c> (the operator has the last word). Default <c>null</c>: the call, then the
    /// task's declaration, then <see cref="TaskStateOptions.IgnoreResults"/> decide.
    /// </summary>
    public bool? IgnoreResult { get; set; }

    /// <summary>
    /// Record nothing for this task: no states, no result, and no "already completed?" read before it runs
    /// (so a redelivery after a crash runs it again: the task must be idempotent on its own). For very
    /// high-volume fire-and-forget tasks. Default <c>true</c> (tracked).
    /// </summary>
    public bool Track { get; set; } = true;
}
