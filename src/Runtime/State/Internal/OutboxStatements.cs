namespace TaskFlow.State.Internal;

/// <summary>The statements on <c>outbox_transaction</c> and <c>outbox_message</c> (<see cref="OutboxRecords"/>).</summary>
/// <param name="InsertTransaction">Inserts an outbox transaction, due now, and returns its id.</param>
/// <param name="InsertMessage">Inserts one message of an outbox transaction (<see cref="OutboxMessageRow"/>).</param>
/// <param name="InsertMessagesHead">The <c>INSERT ... VALUES</c> head of a multi-row insert of messages (<see cref="OutboxRecords.InsertMessagesAsync"/> appends the rows).</param>
/// <param name="MessagesPerInsert">
/// Most messages one multi-row insert takes: 7 parameters a message and one for the transaction, under the dialect's
/// parameter limit (PostgreSQL 65,535, SQL Server 2,100).
/// </param>
/// <param name="Claim">Claims due outbox transactions, skipping the ones another relay holds.</param>
/// <param name="SelectMessages">The messages of claimed transactions (parameter <c>@Ids</c>), in order.</param>
/// <param name="DeleteTransactions">Deletes published transactions (and their messages, by cascade).</param>
/// <param name="FailTransaction">Records a failed publish and when to try again.</param>
/// <param name="SelectStatus">How many transactions wait, how many failed, the oldest.</param>
/// <param name="SelectFailures">Up to 20 failing transactions, oldest first.</param>
/// <param name="SelectBacklog">How many messages wait, and when the oldest waiting transaction was written (the relay's gauges).</param>
internal sealed record OutboxStatements(
    string InsertTransaction,
    string InsertMessage,
    string InsertMessagesHead,
    int MessagesPerInsert,
    string Claim,
    string SelectMessages,
    string DeleteTransactions,
    string FailTransaction,
    string SelectStatus,
    string SelectFailures,
    string SelectBacklog);
