using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.State;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.Cli.Tests;

/// <summary>Every command of the taskflow tool against the real broker and PostgreSQL, JSON output parsed.</summary>
public sealed class CommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Queues_workers_and_task_report_what_the_broker_and_the_store_know()
    {
        await using var host = await CliHost.StartAsync(concurrency: 2);
        var cli = new Cli(host.Schema);
        var handle = await host.Tasks.Flaky.ApplyAsync("ok", host.Options());
        var done = await host.Store.WaitAsync(handle.Id, Wait);
        done.State.ShouldBe(TaskState.Succeeded);

        // queues: named, and all of TaskFlow's (management API).
        // The management API's figures lag by its statistics interval (5 s): wait for the worker's consumer to show.
        JsonElement named = default;
        await Eventually.UntilAsync(
            async () => (named = await cli.JsonAsync("queues", host.Queue))[0].GetProperty("consumers").GetInt64() == 1,
            Wait,
            "the management API reports the worker's consumer");
        named.GetArrayLength().ShouldBe(1);
        named[0].GetProperty("name").GetString().ShouldBe(host.Queue);
        named[0].GetProperty("consumers").GetInt64().ShouldBe(1);
        named[0].GetProperty("ready").GetInt64().ShouldBe(0);
        named[0].GetProperty("deadLetterQueue").GetString().ShouldBe(host.Queue + ".dead");
        named[0].GetProperty("deadLetters").GetInt64().ShouldBe(0);
        named[0].GetProperty("source").GetString().ShouldBe("managementApi");
        var all = await cli.JsonAsync("queues");
        all.EnumerateArray().Select(q => q.GetProperty("name").GetString()).ShouldContain(host.Queue);
        all.EnumerateArray().Select(q => q.GetProperty("name").GetString()).ShouldNotContain(host.Queue + ".dead");
        var table = await cli.RunAsync("queues", host.Queue);
        table.EnsureSuccess().StandardOutput.ShouldContain(host.Queue);
        table.StandardOutput.ShouldContain("source: management API");

        // Without the management API: passive declares for named queues; no list of all queues.
        var passive = await cli.JsonAsync("queues", host.Queue, "--management", "http://127.0.0.1:1/");
        passive[0].GetProperty("source").GetString().ShouldBe("passiveDeclare");
        passive[0].GetProperty("consumers").GetInt64().ShouldBe(1);
        passive[0].GetProperty("unacknowledged").ValueKind.ShouldBe(JsonValueKind.Null);
        var unnamed = await cli.RunAsync("queues", "--management", "http://127.0.0.1:1/");
        unnamed.ExitCode.ShouldBe(1);
        unnamed.StandardError.ShouldContain("management API at http://127.0.0.1:1/ is not reachable");
        unnamed.StandardError.ShouldContain("Name the queues");
        var missing = await cli.RunAsync("queues", "no-such-queue-" + Guid.NewGuid().ToString("N")[..6]);
        missing.ExitCode.ShouldBe(1);
        missing.StandardError.ShouldContain("does not exist on the broker");

        // workers: the in-process worker, from its heartbeats.
        await Eventually.UntilAsync(async () => (await host.Store.GetWorkersAsync()).Any(w => w.Name == host.WorkerName), Wait, "the worker's first heartbeat");
        var workers = await cli.JsonAsync("workers");
        var worker = workers.EnumerateArray().Single(w => w.GetProperty("name").GetString() == host.WorkerName);
        worker.GetProperty("status").GetString().ShouldBe("running");
        worker.GetProperty("queues").EnumerateArray().Select(q => q.GetString()).ShouldBe([host.Queue]);
        (await cli.RunAsync("workers")).EnsureSuccess().StandardOutput.ShouldContain(host.WorkerName);

        // task: state, attempts, timestamps.
        var task = await cli.JsonAsync("task", handle.Id);
        task.GetProperty("taskId").GetString().ShouldBe(handle.Id);
        task.GetProperty("taskName").GetString().ShouldBe("cli_tests.flaky");
        task.GetProperty("state").GetString().ShouldBe("succeeded");
        task.GetProperty("attempts").GetInt32().ShouldBe(1);
        task.GetProperty("completedAt").ValueKind.ShouldBe(JsonValueKind.String);
        var text = (await cli.RunAsync("task", handle.Id)).EnsureSuccess().StandardOutput;
        text.ShouldContain("Succeeded");
        var unknown = await cli.RunAsync("task", "no-such-task");
        unknown.ExitCode.ShouldBe(1);
        unknown.StandardError.ShouldContain("is not in the state store");

        // tasks: the list, filtered by name and state, as JSON and as a table; a bad state says which ones exist.
        var listed = await cli.JsonAsync("tasks", "--name", "cli_tests.flaky", "--state", "succeeded", "--queue", host.Queue, "--since", "1h");
        listed.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("taskId").GetString()).ShouldContain(handle.Id);
        listed.GetProperty("tasks").EnumerateArray().ShouldAllBe(t => t.GetProperty("state").GetString() == "succeeded");
        var failedOnly = await cli.JsonAsync("tasks", "--name", "cli_tests.flaky", "--state", "failed,dead_lettered", "--queue", host.Queue);
        failedOnly.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("taskId").GetString()).ShouldNotContain(handle.Id);
        (await cli.RunAsync("tasks", "--queue", host.Queue)).EnsureSuccess().StandardOutput.ShouldContain(handle.Id);
        var badState = await cli.RunAsync("tasks", "--state", "finished");
        badState.ExitCode.ShouldNotBe(0);
        badState.StandardError.ShouldContain("--state finished is not a task state");
    }

    [Fact]
    public async Task Dead_list_show_filter_and_discard_read_without_removing_and_remove_only_what_matches()
    {
        await using var host = await CliHost.StartAsync(concurrency: 2);
        var cli = new Cli(host.Schema);
        CliTasks.Failing = true;
        string flakyId, timeoutId, entityId;
        try
        {
            flakyId = (await host.Tasks.Flaky.ApplyAsync("a", host.Options())).Id;
            timeoutId = (await host.Tasks.TimesOut.ApplyAsync("b", host.Options())).Id;
            entityId = (await host.Tasks.Flaky.ApplyAsync("c", host.Options(entityKey: "note:42"))).Id;
            await Eventually.UntilAsync(async () => await CliHost.CountAsync(host.Queue + ".dead") == 3, Wait, "three dead letters");
        }
        finally
        {
            CliTasks.Failing = false;
        }

        var list = await cli.JsonAsync("dead", "list", host.Queue);
        list.GetArrayLength().ShouldBe(3);
        var timeout = list.EnumerateArray().Single(d => d.GetProperty("taskId").GetString() == timeoutId);
        timeout.GetProperty("taskName").GetString().ShouldBe("cli_tests.timeout");
        timeout.GetProperty("exceptionType").GetString().ShouldBe("System.TimeoutException");
        timeout.GetProperty("reason").GetString().ShouldBe("task-failed");
        timeout.GetProperty("queue").GetString().ShouldBe(host.Queue);
        (await CliHost.CountAsync(host.Queue + ".dead")).ShouldBe(3u, "listing removes nothing");

        (await cli.JsonAsync("dead", "list", host.Queue, "--exception", "TimeoutException")).EnumerateArray().Select(d => d.GetProperty("taskId").GetString()).ShouldBe([timeoutId]);
        (await cli.JsonAsync("dead", "list", host.Queue, "--task", "cli_tests.flaky")).GetArrayLength().ShouldBe(2);
        (await cli.JsonAsync("dead", "list", host.Queue, "--entity-key", "note:42")).EnumerateArray().Select(d => d.GetProperty("taskId").GetString()).ShouldBe([entityId]);
        (await cli.JsonAsync("dead", "list", host.Queue, "--id", flakyId, "--id", timeoutId)).GetArrayLength().ShouldBe(2);
        (await cli.JsonAsync("dead", "list", host.Queue, "--since", "1h")).GetArrayLength().ShouldBe(3);
        (await cli.JsonAsync("dead", "list", host.Queue, "--until", "1h")).GetArrayLength().ShouldBe(0);
        (await cli.JsonAsync("dead", "list", host.Queue, "--limit", "1")).GetArrayLength().ShouldBe(1);
        (await cli.RunAsync("dead", "list", host.Queue)).EnsureSuccess().StandardOutput.ShouldContain("3 dead letter(s)");

        var show = await cli.JsonAsync("dead", "show", timeoutId, "--queue", host.Queue);
        show.GetProperty("exceptionMessage").GetString().ShouldBe("the service did not answer: b");
        show.GetProperty("stackTrace").GetString()!.ShouldContain("TimesOut");
        show.GetProperty("headers").GetProperty("x-taskflow-original-queue").GetString().ShouldBe(host.Queue);
        show.GetProperty("body").GetString()!.ShouldContain("\"b\"");
        (await cli.RunAsync("dead", "show", timeoutId, "--queue", host.Queue)).EnsureSuccess().StandardOutput.ShouldContain("stack trace:");
        (await cli.RunAsync("dead", "show", "nothing-like-it", "--queue", host.Queue)).ExitCode.ShouldBe(1);

        // discard asks first; "n" keeps everything.
        var refused = await cli.RunWithInputAsync("n", "dead", "discard", host.Queue, "--id", timeoutId);
        refused.ExitCode.ShouldBe(1);
        refused.StandardError.ShouldContain("not confirmed");
        (await CliHost.CountAsync(host.Queue + ".dead")).ShouldBe(3u);
        var discarded = await cli.JsonAsync("dead", "discard", host.Queue, "--id", timeoutId, "--yes");
        discarded[0].GetProperty("done").GetInt64().ShouldBe(1);
        (await CliHost.CountAsync(host.Queue + ".dead")).ShouldBe(2u);
        (await cli.JsonAsync("dead", "list", host.Queue)).EnumerateArray().Select(d => d.GetProperty("taskId").GetString()).ShouldBe([flakyId, entityId], ignoreOrder: true);

        // redrive by filter: only the entity's task runs again.
        var redriven = await cli.JsonAsync("dead", "redrive", host.Queue, "--entity-key", "note:42");
        redriven[0].GetProperty("done").GetInt64().ShouldBe(1);
        await Eventually.UntilAsync(async () => (await host.Store.GetAsync(entityId))?.State == TaskState.Succeeded, Wait, "the re-driven task succeeded");
        CliTasks.Runs[flakyId].ShouldBe(1);
        (await CliHost.CountAsync(host.Queue + ".dead")).ShouldBe(1u);
    }

    [Fact]
    public async Task Dead_show_json_writes_a_body_that_is_not_utf8_as_base64_for_replay()
    {
        await using var host = await CliHost.StartAsync(concurrency: 1);
        var cli = new Cli(host.Schema);
        var id = "binary-" + Guid.NewGuid().ToString("N")[..8];
        byte[] body = [0xff, 0xfe, 0x00, 0x80, 0x41];
        await using (var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var properties = new RabbitMQ.Client.BasicProperties
            {
                ContentType = "application/x-msgpack",
                Headers = new System.Collections.Generic.Dictionary<string, object?> { ["id"] = id, ["task"] = "cli_tests.flaky", ["x-taskflow-original-queue"] = host.Queue },
            };
            await channel.BasicPublishAsync(string.Empty, host.Queue + ".dead", mandatory: true, properties, body);
        }

        await Eventually.UntilAsync(async () => await CliHost.CountAsync(host.Queue + ".dead") == 1, Wait, "the dead letter arrived");
        var show = await cli.JsonAsync("dead", "show", id, "--queue", host.Queue);
        show.GetProperty("taskId").GetString().ShouldBe(id);
        show.GetProperty("bodyEncoding").GetString().ShouldBe("base64");
        Convert.FromBase64String(show.GetProperty("bodyBase64").GetString()!).ShouldBe(body);
        show.TryGetProperty("body", out _).ShouldBeFalse();
        show.GetProperty("contentType").GetString().ShouldBe("application/x-msgpack");
        (await cli.RunAsync("dead", "show", id, "--queue", host.Queue)).EnsureSuccess().StandardOutput.ShouldContain("body (base64):");
        var list = await cli.JsonAsync("dead", "list", host.Queue);
        list[0].GetProperty("bodyBase64").GetString().ShouldBe(Convert.ToBase64String(body));
    }

    [Fact]
    public async Task Purge_asks_first_and_records_each_purged_task_revoked_so_entity_locks_are_released()
    {
        await using var host = await CliHost.StartAsync(concurrency: 1);
        var cli = new Cli(host.Schema);
        var idle = "tf-cli-idle-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            // 20 tasks of two entities (pending records hold their locks) and 1,080 without: three batches of 500.
            const int total = 1_100;
            var ids = new string[20];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = (await host.Tasks.Flaky.ApplyAsync("p" + i, host.Options(idle, entityKey: "doc:" + (i % 2)))).Id;
            }

            for (var sent = ids.Length; sent < total; sent += 60)
            {
                await Task.WhenAll(Enumerable.Range(sent, Math.Min(60, total - sent)).Select(i => host.Tasks.Flaky.ApplyAsync("p" + i, host.Options(idle)).AsTask()));
            }

            (await CliHost.CountAsync(idle)).ShouldBe((uint)total);
            await Should.ThrowAsync<EntityLockedException>(() => host.Store.LockEntityAsync("doc:0"));

            var refused = await cli.RunWithInputAsync("no", "purge", idle);
            refused.ExitCode.ShouldBe(1);
            refused.StandardError.ShouldContain("Purge 1,100 ready message(s)");
            refused.StandardError.ShouldContain("not confirmed");
            (await CliHost.CountAsync(idle)).ShouldBe((uint)total);

            // The revoke of the first batch fails (no such schema): nothing is acked, every message stays.
            var storeDown = new Cli("tf_cli_none_" + Guid.NewGuid().ToString("N")[..6]);
            var failed = await storeDown.RunAsync("purge", idle, "--yes");
            failed.ExitCode.ShouldBe(1);
            failed.StandardError.ShouldContain("stopped after 0 messages");
            (await CliHost.CountAsync(idle)).ShouldBe((uint)total);

            var purged = await cli.RunWithInputAsync("y", "purge", idle, "--json");
            purged.EnsureSuccess();
            var json = JsonDocument.Parse(purged.StandardOutput).RootElement;
            json.GetProperty("purged").GetInt64().ShouldBe(total);
            json.GetProperty("drained").GetBoolean().ShouldBeTrue();
            json.GetProperty("revoked").GetInt64().ShouldBe(total);
            (await CliHost.CountAsync(idle)).ShouldBe(0u);
            foreach (var id in ids)
            {
                (await host.Store.GetAsync(id)).ShouldNotBeNull().State.ShouldBe(TaskState.Revoked);
            }

            await using (var connection = new Npgsql.NpgsqlConnection(TestEnvironment.PostgresConnectionString))
            {
                await connection.OpenAsync();
                await using var count = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM {host.Schema}.task_state WHERE state = 12", connection);
                ((long)(await count.ExecuteScalarAsync())!).ShouldBe(total, "every purged task is recorded revoked, with or without a record before");
            }

            await using (await host.Store.LockEntityAsync("doc:0"))
            {
                // The purged tasks' pending records no longer hold the entity.
            }

            // Without a store: an AMQP purge.
            await host.Tasks.Flaky.ApplyAsync("x", host.Options(idle));
            var plain = new Cli();
            plain.Environment.Remove("ConnectionStrings__TaskFlow");
            var result = await plain.JsonAsync("purge", idle, "--yes");
            result.GetProperty("purged").GetInt64().ShouldBe(1);
            result.GetProperty("drained").GetBoolean().ShouldBeFalse();
        }
        finally
        {
            await CliHost.DeleteQueuesAsync(idle);
        }
    }

    [Fact]
    public async Task Revoke_by_id_and_by_entity_key_and_schema_commands()
    {
        await using var host = await CliHost.StartAsync(concurrency: 1);
        var cli = new Cli(host.Schema);
        var idle = "tf-cli-idle-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var one = await host.Tasks.Flaky.ApplyAsync("r1", host.Options(idle, entityKey: "user:1"));
            var two = await host.Tasks.Flaky.ApplyAsync("r2", host.Options(idle, entityKey: "user:2"));
            var three = await host.Tasks.Flaky.ApplyAsync("r3", host.Options(idle, entityKey: "user:2"));

            var byId = await cli.JsonAsync("revoke", one.Id);
            byId.GetProperty("revoked").GetBoolean().ShouldBeTrue();
            (await host.Store.GetAsync(one.Id)).ShouldNotBeNull().State.ShouldBe(TaskState.Revoked);

            var byKey = await cli.JsonAsync("revoke", "--entity-key", "user:2");
            byKey.GetProperty("revoked").EnumerateArray().Select(e => e.GetString()).ShouldBe([two.Id, three.Id], ignoreOrder: true);
            (await cli.RunAsync("revoke", one.Id)).EnsureSuccess().StandardOutput.ShouldContain("already finished");
        }
        finally
        {
            await CliHost.DeleteQueuesAsync(idle);
        }

        // schema: status of the host's schema, then a fresh one applied by the tool.
        var status = await cli.JsonAsync("schema", "status");
        status.GetProperty("upToDate").GetBoolean().ShouldBeTrue();
        var fresh = new Cli("tf_cli_" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            var before = await fresh.JsonAsync("schema", "status");
            before.GetProperty("current").GetInt32().ShouldBe(0);
            before.GetProperty("upToDate").GetBoolean().ShouldBeFalse();
            (await fresh.RunAsync("workers")).ExitCode.ShouldBe(1, "the store refuses a missing schema");
            var applied = await fresh.JsonAsync("schema", "apply");
            applied.GetProperty("migrationsApplied").GetInt32().ShouldBeGreaterThan(0);
            applied.GetProperty("current").GetInt32().ShouldBe(applied.GetProperty("required").GetInt32());
            (await fresh.JsonAsync("workers")).GetArrayLength().ShouldBe(0);
            (await fresh.RunAsync("schema", "script")).EnsureSuccess().StandardOutput.ShouldContain("CREATE TABLE");
        }
        finally
        {
            await using var connection = new Npgsql.NpgsqlConnection(TestEnvironment.PostgresConnectionString);
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {fresh.Schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Bad_flags_and_configuration_fail_with_a_message_saying_what_to_change()
    {
        var cli = new Cli();

        var badUri = await cli.RunAsync("queues", "--rabbitmq", "not a uri");
        badUri.ExitCode.ShouldBe(2);
        badUri.StandardError.ShouldContain("--rabbitmq: 'not a uri' is not an absolute URI");

        var httpUri = await cli.RunAsync("queues", "--rabbitmq", "http://127.0.0.1:5672/");
        httpUri.ExitCode.ShouldBe(2);
        httpUri.StandardError.ShouldContain("ConnectionUri must be an absolute amqp:// or amqps:// URI");

        var unreachable = await cli.RunAsync("queues", "x", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/", "--management", "http://127.0.0.1:1/");
        unreachable.ExitCode.ShouldBe(1);
        unreachable.StandardError.ShouldContain("could not connect to RabbitMQ");

        var noStore = new Cli();
        noStore.Environment.Remove("ConnectionStrings__TaskFlow");
        var workers = await noStore.RunAsync("workers");
        workers.ExitCode.ShouldBe(2);
        workers.StandardError.ShouldContain("no state store configured: pass --state");
        workers.StandardError.ShouldContain("ConnectionStrings__TaskFlow");

        var since = await cli.RunAsync("dead", "list", "q", "--since", "yesterday");
        since.ExitCode.ShouldBe(2);
        since.StandardError.ShouldContain("--since: 'yesterday' is neither a duration");

        (await cli.RunAsync("revoke")).ExitCode.ShouldBe(2);
        (await cli.RunAsync("frobnicate")).ExitCode.ShouldBe(2);
        var rate = await cli.RunAsync("dead", "redrive", "q", "--rate", "0");
        rate.ExitCode.ShouldBe(2);
        rate.StandardError.ShouldContain("--rate must be a positive number");

        // appsettings.json of the current directory: an unknown key fails, a valid one is used.
        await File.WriteAllTextAsync(Path.Combine(cli.Directory, "appsettings.json"), """{ "TaskFlow": { "RabbitMq": { "Prefetch": 3 } } }""");
        var unknownKey = await cli.RunAsync("queues");
        unknownKey.ExitCode.ShouldBe(2);
        unknownKey.StandardError.ShouldContain("TaskFlow:RabbitMq");
        unknownKey.StandardError.ShouldContain("Prefetch");

        var configured = new Cli();
        configured.Environment.Clear();
        await File.WriteAllTextAsync(Path.Combine(configured.Directory, "appsettings.json"), JsonSerializer.Serialize(new
        {
            ConnectionStrings = new { TaskFlow = TestEnvironment.PostgresConnectionString },
            TaskFlow = new { RabbitMq = new { ConnectionUri = TestEnvironment.BrokerUri.ToString() }, State = new { Schema = "tf_cli_nothing_here" } },
        }));
        var fromFile = await configured.JsonAsync("schema", "status");
        fromFile.GetProperty("current").GetInt32().ShouldBe(0, "the schema named in appsettings.json does not exist");
        (await configured.JsonAsync("queues")).ValueKind.ShouldBe(JsonValueKind.Array);
    }
}
