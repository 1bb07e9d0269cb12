using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using TaskFlow.Core;
using TaskFlow.Infrastructure;
using TaskFlow.Protocol;

namespace TaskFlow.State.Internal;

/// <summary>One state write: the row the upsert sends. Property names are the SQL parameter names.</summary>
internal sealed class StateWrite
{
    public required string TaskId { get; init; }

    public string? TaskName { get; init; }

    public string? Queue { get; init; }

    public int State { get; set; }

    public string? EntityKey { get; set; }

    public int Attempts { get; set; }

    public string? Worker { get; set; }

    public string? Result { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset Now { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The task that sent this one (<c>parent_id</c>), if any.</summary>
    public string? ParentId { get; set; }

    /// <summary>The root of the task's tree (<c>root_id</c>), only when it is another task: a root's own id is not stored.</summary>
    public string? RootId { get; set; }

    /// <summary>
    /// The arguments as display text (<see cref="ArgumentsText"/>), set only on the writes that may be the store's first
    /// of the task (the pending record at send, the worker's started record); never overwrites a stored one.
    /// </summary>
    public string? Arguments { get; set; }

    /// <summary>The trace id of the task's message (<see cref="HeadersText.TraceIdOf"/>), set with <see cref="Arguments"/>; never overwrites a stored one.</summary>
    public string? TraceId { get; set; }

    /// <summary>The task's message headers as JSON (<see cref="HeadersText"/>), set with <see cref="Arguments"/>; never overwrites stored ones.</summary>
    public string? Headers { get; set; }

    /// <summary>
    /// The attempt this write ends with an error (a retrying, failed or dead-lettered record of a run), stored as a
    /// <c>task_attempt</c> row with the write; <c>null</c> for every other write. Not a SQL parameter of the upsert.
    /// </summary>
    public AttemptWrite? EndedAttempt { get; set; }

    /// <summary>Completed when the write is committed (for writes the caller waits for). Not a SQL parameter: Dapper skips it.</summary>
    public TaskCompletionSource? Committed { get; set; }

    /// <summary>The lineage of a task about to be sent, from its envelope's <c>parent_id</c> and <c>root_id</c> headers.</summary>
    public StateWrite WithLineageOf(TaskEnvelope envelope) => WithLineage(
        envelope.Headers.TryGetValue(MessageHeaders.ParentId, out var parent) ? parent as string : null,
        envelope.Headers.TryGetValue(MessageHeaders.RootId, out var root) ? root as string : null);

    /// <summary>Sets <see cref="Arguments"/>.</summary>
    public StateWrite WithArguments(string? arguments)
    {
        Arguments = arguments;
        return this;
    }

    /// <summary>Sets <see cref="Arguments"/>, <see cref="TraceId"/> and <see cref="Headers"/> from a message TaskFlow is about to send.</summary>
    public StateWrite WithMessageOf(TaskEnvelope envelope)
    {
        Arguments = ArgumentsText.Of(envelope);
        Headers = HeadersText.Of(envelope);
        TraceId = HeadersText.TraceIdOf(envelope.Headers.GetValueOrDefault(MessageHeaders.TraceParent));
        return this;
    }

    /// <summary>Sets <see cref="Arguments"/>, <see cref="TraceId"/> and <see cref="Headers"/> from a received message (<paramref name="task"/>: its descriptor, when known here).</summary>
    public StateWrite WithMessageOf(TaskHeaders headers, TaskDescriptor? task)
    {
        Arguments = ArgumentsText.Of(headers, task);
        Headers = HeadersText.Of(headers, task);
        TraceId = HeadersText.TraceIdOf(headers.Raw.GetValueOrDefault(MessageHeaders.TraceParent));
        return this;
    }

    /// <summary>The lineage of a received task, from its decoded headers.</summary>
    public StateWrite WithLineageOf(TaskHeaders headers) => WithLineage(headers.ParentId, headers.RootId);

    /// <summary>Folds a later write of the same task into this one (one upsert per task per batch).</summary>
    public void Merge(StateWrite later)
    {
        ParentId ??= later.ParentId;
        RootId ??= later.RootId;
        Arguments ??= later.Arguments;
        TraceId ??= later.TraceId;
        Headers ??= later.Headers;
        if (State >= 10 && later.State < 10)
        {
            return; // a final state is never moved back
        }

        if (later.State == 0 && State != 0)
        {
            EntityKey ??= later.EntityKey;
            return;
        }

        State = later.State;
        EntityKey ??= later.EntityKey;
        Attempts = Math.Max(Attempts, later.Attempts);
        Worker = later.Worker ?? Worker;
        Result = later.Result;
        Error = later.Error ?? Error;
        Now = later.Now;
        StartedAt = later.StartedAt ?? StartedAt;
        CompletedAt = later.CompletedAt;
        ExpiresAt = later.ExpiresAt;
    }

    private StateWrite WithLineage(string? parentId, string? rootId)
    {
        ParentId = string.IsNullOrEmpty(parentId) || parentId.Length > 255 ? null : parentId;
        RootId = string.IsNullOrEmpty(rootId) || rootId.Length > 255 || string.Equals(rootId, TaskId, StringComparison.Ordinal) ? null : rootId;
        return this;
    }
}
