namespace TaskFlow.State.Internal;

/// <summary>The statements on <c>worker</c> (<see cref="WorkerRecords"/>).</summary>
/// <param name="Upsert">A heartbeat: inserts the worker or updates its row (clears <c>stopped_at</c>).</param>
/// <param name="Stop">A graceful stop: sets <c>stopped_at</c>.</param>
/// <param name="SelectAll">Every worker, by name.</param>
/// <param name="DeleteGone">Deletes workers not seen since <c>@Before</c> (cleanup).</param>
internal sealed record WorkerStatements(string Upsert, string Stop, string SelectAll, string DeleteGone);
