namespace TaskFlow.State.Internal;

/// <summary>The statements on <c>task_state</c> by task id (<see cref="TaskStateRecords"/>).</summary>
/// <param name="Select">The idempotency check on the hot path: one primary-key point read.</param>
/// <param name="SelectAmong">The states and attempt counts of many tasks by id (parameter <c>@Ids</c>): the batched idempotency check.</param>
/// <param name="SelectInfo">The whole record of one task, as <see cref="StateRow"/>.</param>
/// <param name="SelectInfoAmong">The whole records of many tasks by id (parameter <c>@Ids</c>), as <see cref="StateRow"/>: the waiters' coalesced reads.</param>
/// <param name="Upsert">Upsert of one state write; never moves a final state back (rows affected 0 then).</param>
/// <param name="UpsertBatch">One set-based upsert of many state writes (distinct task ids), same rules as <paramref name="Upsert"/>.</param>
/// <param name="Revoke">Revokes one task unless it is final (inserts the record when there is none).</param>
/// <param name="RevokeBatch">Revokes many tasks by id in one statement, same rules as <paramref name="Revoke"/>.</param>
/// <param name="SelectRevokedAmong">Which of many tasks (parameter <c>@Ids</c>) are revoked.</param>
/// <param name="DeleteExpired">Deletes one batch of expired records (<c>@BatchSize</c>).</param>
/// <param name="UpsertProgress">Records a running task's progress (<c>@Done</c>, <c>@Total</c>, <c>@Message</c>), inserting a started record when there is none; never on a final record.</param>
/// <param name="UpsertCheckpoint">Saves a task's checkpoint (<c>@Checkpoint</c>, JSON), inserting a started record when there is none; never on a final record.</param>
/// <param name="SelectCheckpoint">A task's last checkpoint.</param>
/// <param name="Reopen">A re-driven dead letter: moves a failed or dead-lettered record back to pending (rows 0: it was not).</param>
internal sealed record TaskStateStatements(
    string Select,
    string SelectAmong,
    string SelectInfo,
    string SelectInfoAmong,
    string Upsert,
    StateBatchUpsert UpsertBatch,
    string Revoke,
    StateBatchRevoke RevokeBatch,
    string SelectRevokedAmong,
    string DeleteExpired,
    string UpsertProgress,
    string UpsertCheckpoint,
    string SelectCheckpoint,
    string Reopen);
