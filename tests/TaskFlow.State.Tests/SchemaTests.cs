using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shouldly;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>The schema: versioned, idempotent, safe with several processes at once, explicit apply for operators.</summary>
public sealed class SchemaTests
{
    /// <summary>The newest version and the number of migrations (versions are numbered by feature: 5 and 6 are the scheduler's, 7 the audit log).</summary>
    private static readonly int LatestVersion = TaskFlow.State.Internal.PostgreSqlDialect.Create("x").Schema.LatestVersion;

    private static readonly int MigrationCount = TaskFlow.State.Internal.PostgreSqlDialect.Create("x").Schema.Migrations.Count;

    private static ServiceProvider NewStore(TestDatabase database, string schema, bool automatic = true)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.ClearProviders());
        services.AddTaskFlow().AddStateStore(o =>
        {
            database.Use(o);
            o.Schema = schema;
            o.ApplySchemaAutomatically = automatic;
        });
        return services.BuildServiceProvider();
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Many_processes_applying_the_schema_at_once_apply_each_migration_exactly_once(string name)
    {
        var database = Databases.Get(name);
        var schema = Databases.NewSchema();
        var providers = Enumerable.Range(0, 6).Select(_ => NewStore(database, schema)).ToList();
        try
        {
            var applied = await Task.WhenAll(providers.Select(p => Task.Run(() => p.GetRequiredService<TaskStateStore>().ApplySchemaAsync())));

            var (current, required) = await providers[0].GetRequiredService<TaskStateStore>().GetSchemaVersionAsync();
            required.ShouldBe(LatestVersion);
            applied.Sum().ShouldBe(MigrationCount); // each migration applied once, by one of the six
            current.ShouldBe(required);
            (await providers[1].GetRequiredService<TaskStateStore>().ApplySchemaAsync()).ShouldBe(0);
            (await providers[2].GetRequiredService<TaskStateStore>().GetAsync("nothing")).ShouldBeNull();
        }
        finally
        {
            foreach (var provider in providers)
            {
                await provider.DisposeAsync();
            }

            await database.DropSchemaAsync(schema);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task With_automatic_application_off_the_store_refuses_an_old_schema_until_an_operator_applies_it(string name)
    {
        var database = Databases.Get(name);
        var schema = Databases.NewSchema();
        await using var provider = NewStore(database, schema, automatic: false);
        var store = provider.GetRequiredService<TaskStateStore>();
        try
        {
            var refused = await Should.ThrowAsync<InvalidOperationException>(() => store.GetAsync("x"));
            refused.Message.ShouldContain("ApplySchemaAsync");
            (await store.GetSchemaVersionAsync()).Current.ShouldBe(0);

            (await store.ApplySchemaAsync()).ShouldBe(MigrationCount);
            (await store.GetSchemaVersionAsync()).Current.ShouldBe(LatestVersion);

            (await store.GetAsync("x")).ShouldBeNull();
        }
        finally
        {
            await database.DropSchemaAsync(schema);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task The_schema_script_names_every_table_and_index(string name)
    {
        var database = Databases.Get(name);
        await using var provider = NewStore(database, "taskflow");
        var script = provider.GetRequiredService<TaskStateStore>().GetSchemaScript();

        foreach (var part in new[] { "task_state", "ix_task_state_expires_at", "ix_task_state_entity_key", "entity_lease", "outbox_transaction", "ix_outbox_transaction_due", "outbox_message", "schema_migrations", "task_lease", "worker", "ix_task_state_created_at", "ix_task_state_state", "ix_task_state_task_name", "ix_task_state_worker", "ix_task_state_parent_id", "ix_task_state_root_id", "-- version 4", "lock_slot", "lock_token", "ix_lock_slot_expires_at", "-- version 5", "schedule_fire", "scheduler_lease", "ix_schedule_next_fire_at", "-- version 6", "audit_log", "ix_audit_log_at", "-- version 7", "task_attempt", "trace_id", "-- version 13" })
        {
            script.ShouldContain(part);
        }
    }

    [Fact]
    public void Options_are_validated()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTaskFlow().AddStateStore(o => o.Schema = "taskflow");
        using var provider = services.BuildServiceProvider();

        Should.Throw<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<TaskStateStore>()).Message.ShouldContain("UsePostgreSql");

        var bad = new TaskStateOptions { Schema = "bad; DROP TABLE x" };
        bad.UsePostgreSql(() => throw new InvalidOperationException());
        Should.Throw<InvalidOperationException>(bad.Validate).Message.ShouldContain("identifier");
    }

    [Fact]
    public async Task A_version_3_database_with_records_is_migrated_to_version_4_in_place_and_its_records_are_listed()
    {
        // What a version-3 database holds (worker heartbeats, no lineage, no list indexes), with records.
        await WithOldSchemaAsync(3, records: """
            INSERT INTO {schema}.task_state (task_id, task_name, queue, state, attempts, worker, error, created_at, completed_at, updated_at, expires_at)
            SELECT 'old-' || g, 'old.task', 'q', CASE WHEN g % 2 = 0 THEN 11 ELSE 10 END, 1, 'old-worker',
                   CASE WHEN g % 2 = 0 THEN 'task-failed: System.InvalidOperationException: old' END,
                   now() - g * interval '1 second', now(), now(), now() + interval '1 day'
            FROM generate_series(1, 30) g;
            """, async (database, schema, store) =>
        {
            // Every migration after version 3 runs: 4 (lineage, list indexes) and those after it.
            var required = (await store.GetSchemaVersionAsync()).Required;
            (await store.ApplySchemaAsync()).ShouldBe(MigrationCount - 3);
            (await store.GetSchemaVersionAsync()).Current.ShouldBe(required);

            var old = (await store.GetAsync("old-1")).ShouldNotBeNull();
            old.State.ShouldBe(TaskState.Succeeded);
            old.ParentId.ShouldBeNull();
            old.RootId.ShouldBeNull();
            old.Arguments.ShouldBeNull("migration 11 adds the column and rewrites nothing");
            old.TraceId.ShouldBeNull("migration 13 adds the columns and rewrites nothing");
            old.Headers.ShouldBeEmpty();
            (await store.GetAttemptsAsync("old-2")).ShouldBeEmpty("no attempts were stored before version 13, and the record never started");
            (await store.QueryTasksAsync(new TaskQuery { ArgumentsContains = "old" })).Tasks.ShouldBeEmpty();

            var failed = await store.QueryTasksAsync(new TaskQuery { States = [TaskState.Failed], Error = "System.InvalidOperationException", Worker = "old-worker", Limit = 10 });
            failed.Tasks.Select(t => t.TaskId).ShouldBe(Enumerable.Range(1, 10).Select(i => "old-" + (i * 2)));
            var rest = await store.QueryTasksAsync(new TaskQuery { States = [TaskState.Failed], Limit = 10, Cursor = failed.NextCursor });
            rest.Tasks.Count.ShouldBe(5);
            rest.NextCursor.ShouldBeNull();
            (await store.GetTaskCountsAsync(DateTimeOffset.UtcNow.AddHours(-1))).ByState.ShouldBe(new Dictionary<TaskState, long> { [TaskState.Succeeded] = 15, [TaskState.Failed] = 15 }, ignoreOrder: true);

            await using var connection = await database.OpenAsync();
            (await Dapper.SqlMapper.QuerySingleAsync<string>(connection, $"SELECT state_name FROM {schema}.task_state_named WHERE task_id = 'old-1' AND parent_id IS NULL AND root_id IS NULL AND arguments IS NULL AND trace_id IS NULL AND headers IS NULL"))
                .ShouldBe("succeeded");
            var indexes = (await Dapper.SqlMapper.QueryAsync<string>(connection, $"SELECT indexname FROM pg_indexes WHERE schemaname = '{schema}' AND tablename = 'task_state'")).ToList();
            indexes.ShouldBe(["task_state_pkey", "ix_task_state_expires_at", "ix_task_state_entity_key", "ix_task_state_created_at", "ix_task_state_state", "ix_task_state_task_name", "ix_task_state_worker", "ix_task_state_parent_id", "ix_task_state_root_id"], ignoreOrder: true); // the trigram index only with IndexArgumentsForSearch
        });
    }

    [Fact]
    public async Task A_version_1_database_with_records_is_migrated_to_the_latest_version_in_place()
    {
        // What a 0.1/0.2 database holds: version 1 only, with a record in it.
        await WithOldSchemaAsync(1, records: """
            INSERT INTO {schema}.task_state (task_id, task_name, queue, state, attempts, result, created_at, completed_at, updated_at, expires_at)
            VALUES ('old-task', 'old.task', 'q', 10, 1, '42', now(), now(), now(), now() + interval '1 day');
            """, async (database, schema, store) =>
        {
            (await store.ApplySchemaAsync()).ShouldBe(MigrationCount - 1); // every migration after 1 (versions are numbered by feature, not contiguous)

            var info = (await store.GetAsync("old-task")).ShouldNotBeNull();
            info.State.ShouldBe(TaskState.Succeeded);
            info.ResultJson.ShouldBe("42");
            info.Progress.ShouldBeNull();
            await using var connection = await database.OpenAsync();
            (await Dapper.SqlMapper.QuerySingleAsync<string>(connection, $"SELECT state_name FROM {schema}.task_state_named WHERE task_id = 'old-task' AND progress_done IS NULL AND checkpoint_json IS NULL"))
                .ShouldBe("succeeded");
            (await Dapper.SqlMapper.QuerySingleAsync<int>(connection, $"SELECT COUNT(*) FROM {schema}.task_lease")).ShouldBe(0);
            (await Dapper.SqlMapper.QuerySingleAsync<int>(connection, $"SELECT COUNT(*) FROM {schema}.task_order")).ShouldBe(0, "migration 12 adds the tables of ordered processing");
            (await Dapper.SqlMapper.QuerySingleAsync<int>(connection, $"SELECT COUNT(*) FROM {schema}.order_seq")).ShouldBe(0);
        });
    }

    /// <summary>
    /// Runs <paramref name="test"/> against a new PostgreSQL schema taken back to <paramref name="version"/> (1 or 3) and
    /// filled with <paramref name="records"/> (SQL; <c>{schema}</c> stands for the schema), then drops it.
    /// </summary>
    private static async Task WithOldSchemaAsync(int version, string records, Func<TestDatabase, string, TaskStateStore, Task> test)
    {
        var database = Databases.Get("postgresql");
        var schema = Databases.NewSchema();
        await using var provider = NewStore(database, schema);
        var store = provider.GetRequiredService<TaskStateStore>();
        try
        {
            await store.ApplySchemaAsync();
            // Version 13 added task_attempt and task_state.trace_id, headers (dropping arguments drops the trigram index too); 12 order_seq and task_order; 11 task_state.arguments; version 5 added the lock permits (lock_slot, lock_token); 4 lineage (parent_id, root_id) and the list indexes; 2 and 3 the lease and worker tables and
            // the progress and checkpoint columns. The view over task_state is replaced by a stand-in the migration replaces.
            var olderThan3 = version < 3
                ? $"""
                    DROP TABLE {schema}.worker;
                    DROP TABLE {schema}.task_lease;
                    ALTER TABLE {schema}.task_state DROP COLUMN progress_done, DROP COLUMN progress_total, DROP COLUMN progress_message,
                        DROP COLUMN progress_at, DROP COLUMN checkpoint_json;
                    """
                : string.Empty;
            await using (var connection = await database.OpenAsync())
            {
                await Dapper.SqlMapper.ExecuteAsync(connection, $"""
                    DROP TABLE {schema}.lock_slot;
                    DROP SEQUENCE {schema}.lock_token;
                    DROP TABLE {schema}.schedule, {schema}.scheduler_lease, {schema}.schedule_fire;
                    DROP TABLE {schema}.audit_log;
                    DROP TABLE {schema}.unique_key;
                    DROP TABLE {schema}.queue_pause;
                    ALTER TABLE {schema}.worker DROP COLUMN paused_queues;
                    DROP TABLE {schema}.rate_limit;
                    DROP TABLE {schema}.order_seq, {schema}.task_order;
                    DROP VIEW {schema}.task_state_named;
                    DROP TABLE {schema}.task_attempt;
                    ALTER TABLE {schema}.task_state DROP COLUMN trace_id, DROP COLUMN headers;
                    ALTER TABLE {schema}.task_state DROP COLUMN arguments;
                    DROP INDEX {schema}.ix_task_state_created_at, {schema}.ix_task_state_state, {schema}.ix_task_state_task_name, {schema}.ix_task_state_worker;
                    ALTER TABLE {schema}.task_state DROP COLUMN parent_id, DROP COLUMN root_id;
                    {olderThan3}
                    CREATE VIEW {schema}.task_state_named AS SELECT t.*, 'x' AS state_name FROM {schema}.task_state t;
                    DELETE FROM {schema}.schema_migrations WHERE version > {version};
                    {records.Replace("{schema}", schema, StringComparison.Ordinal)}
                    """);
            }

            (await store.GetSchemaVersionAsync()).Current.ShouldBe(version);
            await test(database, schema, store);
        }
        finally
        {
            await database.DropSchemaAsync(schema);
        }
    }
}

/// <summary>The one place that says whether SQL Server ran.</summary>
public sealed class SqlServerTests
{
    [SqlServerFact]
    public async Task SqlServer_is_reachable_and_the_suite_runs_against_it()
    {
        var database = Databases.Get("sqlserver");
        await using var connection = await database.OpenAsync();
        connection.State.ShouldBe(System.Data.ConnectionState.Open);
    }
}

/// <summary>A fact skipped, with a visible reason, when no SQL Server is configured.</summary>
public sealed class SqlServerFactAttribute : FactAttribute
{
    public SqlServerFactAttribute()
    {
        if (!Databases.SqlServerConfigured)
        {
            Skip = Databases.SqlServerSkipReason;
            DisplayName = "skipped: no SQL Server (set TASKFLOW_TEST_SQLSERVER to run the suite against it)";
        }
    }
}
