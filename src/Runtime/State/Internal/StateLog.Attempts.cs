using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Internal;

/// <summary>The logs of the task detail's storage (attempts, the argument search index): event ids 5080-5089.</summary>
internal static partial class StateLog
{
    [LoggerMessage(5080, LogLevel.Warning, "TaskFlow state store, schema {Schema}: the trigram index of the argument search could not be created ({Reason}); the search works without it but reads the task list until a page is full. A superuser (or the database owner on PostgreSQL 13+) can create it: {Sql}")]
    public static partial void SearchIndexUnavailable(ILogger logger, string schema, string reason, string sql);

    [LoggerMessage(5081, LogLevel.Information, "TaskFlow state store, schema {Schema}: trigram index {Index} of the argument search created (extension pg_trgm in schema {ExtensionSchema})")]
    public static partial void SearchIndexCreated(ILogger logger, string schema, string index, string extensionSchema);

    [LoggerMessage(5082, LogLevel.Information, "TaskFlow state store, schema {Schema}: trigram index {Index} of the argument search exists and is kept, though TaskStateOptions.IndexArgumentsForSearch is off (an earlier TaskFlow created it by default, or an operator did). Every state row written adds its arguments' trigrams to it, at a cost in PostgreSQL CPU per task; to drop it: {Sql}")]
    public static partial void SearchIndexKept(ILogger logger, string schema, string index, string sql);
}
