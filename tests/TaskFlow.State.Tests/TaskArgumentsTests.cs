using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.State.Internal;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The task list's search in arguments (issue 15): the store keeps each task's arguments as redacted display text
/// (<c>task_state.arguments</c>, migration 11) from the pending record at send or the worker's started record, and
/// <see cref="TaskQuery.ArgumentsContains"/> searches it; a search never matches inside a <c>[Sensitive]</c> value.
/// </summary>
public sealed class TaskArgumentsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string Key() => Guid.NewGuid().ToString("N");

    private static async Task<string[]> IdsAsync(TaskStateStore store, TaskQuery query)
    {
        var ids = new List<string>();
        var page = await store.QueryTasksAsync(query);
        ids.AddRange(page.Tasks.Select(t => t.TaskId));
        while (page.NextCursor is { } cursor)
        {
            page = await store.QueryTasksAsync(query with { Cursor = cursor });
            ids.AddRange(page.Tasks.Select(t => t.TaskId));
        }

        return ids.Order(StringComparer.Ordinal).ToArray();
    }

    private static async Task<TaskStateInfo> FinalAsync(TaskStateStore store, string id)
    {
        await Eventually.UntilAsync(async () => (await store.GetAsync(id))?.IsFinal == true, Timeout, "task " + id + " final");
        return (await store.GetAsync(id))!;
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task The_list_finds_tasks_by_text_in_their_arguments_case_insensitively_with_the_other_filters_and_paging(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var store = host.Store;
        var customer = "Customer-" + Key()[..12];
        var mine = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            mine.Add((await host.Tasks.Add.ApplyAsync(i, 100, customer + "-order-" + i, host.Options())).Id);
        }

        var other = await host.Tasks.Add.ApplyAsync(7, 8, Key(), host.Options());
        var failed = await host.Tasks.Fail.ApplyAsync(customer + "-refund", host.Options());
        foreach (var id in mine.Append(other.Id).Append(failed.Id))
        {
            await FinalAsync(store, id);
        }

        (await store.GetAsync(mine[0]))!.Arguments.ShouldBe($"[0,100,\"{customer}-order-0\"]", "argsrepr as the sender wrote it");

        var all = mine.Append(failed.Id).Order(StringComparer.Ordinal).ToArray();
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = customer })).ShouldBe(all);
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = customer.ToUpperInvariant() })).ShouldBe(all, "case-insensitive");
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = customer.ToLowerInvariant() + "-ORDER-3" })).ShouldBe([mine[3]]);
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = "100,\"" + customer })).ShouldBe(mine.Order(StringComparer.Ordinal).ToArray(), "the JSON text as stored");
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = customer, States = [TaskState.Failed] })).ShouldBe([failed.Id]);
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = customer, TaskName = "state_tests.add" })).ShouldBe(mine.Order(StringComparer.Ordinal).ToArray());
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = customer, Queue = host.Queue + "-other" })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = "no such text " + Key() })).ShouldBeEmpty();

        // Wildcards are literal: %, _ and [ match only themselves.
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = "%" })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = "_" })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = customer.Replace("-", "_", StringComparison.Ordinal) })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = "[" })).Length.ShouldBe(7, "every argsrepr is a JSON list");

        // Keyset paging through the matches, newest first, each once.
        var paged = new List<string>();
        var page = await store.QueryTasksAsync(new TaskQuery { ArgumentsContains = customer, Limit = 2 });
        paged.AddRange(page.Tasks.Select(t => t.TaskId));
        while (page.NextCursor is { } cursor)
        {
            page.Tasks.Count.ShouldBe(2);
            page = await store.QueryTasksAsync(new TaskQuery { ArgumentsContains = customer, Limit = 2, Cursor = cursor });
            paged.AddRange(page.Tasks.Select(t => t.TaskId));
        }

        paged.Order(StringComparer.Ordinal).ShouldBe(all);

        // Longer than anything stored: a clear error, not a scan that can find nothing.
        var tooLong = await Should.ThrowAsync<ArgumentException>(() => store.QueryTasksAsync(new TaskQuery { ArgumentsContains = new string('x', ArgumentsText.MaxLength + 1) }));
        tooLong.Message.ShouldContain("ArgumentsContains");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task A_search_never_matches_inside_a_sensitive_argument_from_a_TaskFlow_or_a_Celery_client(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var store = host.Store;
        var key = "acct-" + Key()[..12];
        var secret = "hunter2-" + Key();

        // A TaskFlow client: argsrepr redacted by the sender, x-taskflow-sensitive names the argument.
        var sent = await host.Tasks.SensitiveFail.ApplyAsync(key + "-a", secret, 4242, host.Options());

        // A Celery client of the same task: no x-taskflow-sensitive header, argsrepr in the clear. As JSON the worker
        // redacts it by the task's declaration; as Python's repr it cannot be redacted, so nothing is kept.
        var celeryJson = Guid.NewGuid().ToString();
        var celeryRepr = Guid.NewGuid().ToString();
        await PublishCeleryAsync(host.Queue, celeryJson, "state_tests.sensitive_fail", $"[\"{key}-b\",\"{secret}\",4242]", "{}", $"[\"{key}-b\",\"{secret}\",4242]");
        await PublishCeleryAsync(host.Queue, celeryRepr, "state_tests.sensitive_fail", $"['{key}-c', '{secret}', 4242]", "{}", $"[\"{key}-c\",\"{secret}\",4242]");

        var a = await FinalAsync(store, sent.Id);
        var b = await FinalAsync(store, celeryJson);
        var c = await FinalAsync(store, celeryRepr);
        a.State.ShouldBe(TaskState.Failed, "the task ran (and failed on purpose) with the real value");
        a.Arguments.ShouldBe($"[\"{key}-a\",\"***\",4242]");
        b.Arguments.ShouldBe($"[\"{key}-b\",\"***\",4242]");
        c.Arguments.ShouldBeNull("a Python repr with a sensitive argument cannot be redacted: not kept");

        (await IdsAsync(store, new TaskQuery { ArgumentsContains = secret })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = "hunter2" })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = secret[4..12] })).ShouldBeEmpty();
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = key })).ShouldBe(new[] { sent.Id, celeryJson }.Order(StringComparer.Ordinal).ToArray());
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = "4242" })).ShouldBe(new[] { sent.Id, celeryJson }.Order(StringComparer.Ordinal).ToArray(), "the other arguments are searchable");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Celery_messages_keep_their_argsrepr_and_kwargsrepr_and_messages_without_one_keep_nothing(string name)
    {
        await using var host = await StateHost.StartAsync(name);
        var store = host.Store;
        var key = "celery-" + Key()[..12];
        var withRepr = Guid.NewGuid().ToString();
        var withKwargs = Guid.NewGuid().ToString();
        var without = Guid.NewGuid().ToString();
        await PublishCeleryAsync(host.Queue, withRepr, "state_tests.add", $"(1, 2, '{key}-repr')", "{}", $"[1,2,\"{key}-repr\"]");
        await PublishCeleryAsync(host.Queue, withKwargs, "state_tests.add", "(1,)", $"{{'b': 2, 'key': '{key}-kw'}}", $"[[1],{{\"b\":2,\"key\":\"{key}-kw\"}},{{}}]", wholeBody: true);
        await PublishCeleryAsync(host.Queue, without, "state_tests.add", argsRepr: null, kwargsRepr: null, $"[1,2,\"{key}-none\"]");

        (await FinalAsync(store, withRepr)).Arguments.ShouldBe($"(1, 2, '{key}-repr')");
        (await FinalAsync(store, withKwargs)).Arguments.ShouldBe($"(1,) {{'b': 2, 'key': '{key}-kw'}}");
        var none = await FinalAsync(store, without);
        none.State.ShouldBe(TaskState.Succeeded);
        none.Arguments.ShouldBeNull("no argsrepr: the body is not decoded for it");

        (await IdsAsync(store, new TaskQuery { ArgumentsContains = key })).ShouldBe(new[] { withRepr, withKwargs }.Order(StringComparer.Ordinal).ToArray());
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = "'KEY': '" + key.ToUpperInvariant() })).ShouldBe([withKwargs]);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task The_text_is_bounded_kept_from_the_pending_record_and_never_overwritten(string name)
    {
        await using var host = await StateHost.StartAsync(name, worker: false);
        var store = host.Store;

        // Sent with an entity key: the pending record (written at send) has the arguments, redacted and bounded.
        var head = "head-" + Key();
        var tail = "tail-" + Key();
        var longKey = head + new string('x', 3000) + tail;
        var pending = await host.Tasks.Add.ApplyAsync(1, 2, longKey, host.Options(entityKey: "note:" + Key()));
        var sensitive = await host.Tasks.SensitiveFail.ApplyAsync("k", "s3cret-" + Key(), 1, host.Options(entityKey: "note:" + Key()));
        var info = (await store.GetAsync(pending.Id)).ShouldNotBeNull();
        info.State.ShouldBe(TaskState.Pending);
        info.Arguments!.Length.ShouldBe(ArgumentsText.MaxLength);
        info.Arguments.ShouldStartWith("[1,2,\"" + head);
        info.Arguments.ShouldEndWith("...");
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = head })).ShouldBe([pending.Id]);
        (await IdsAsync(store, new TaskQuery { ArgumentsContains = tail })).ShouldBeEmpty("beyond the first 1,000 characters");
        (await store.GetAsync(sensitive.Id))!.Arguments.ShouldBe("[\"k\",\"***\",1]");

        // A later state of the task never replaces the text (the first record's wins), nor clears it.
        var started = store.NewWrite(pending.Id, "state_tests.add", host.Queue, TaskState.Started, 1).WithArguments("[\"something else\"]");
        var done = store.NewWrite(pending.Id, "state_tests.add", host.Queue, TaskState.Succeeded, 1);
        await store.Database.States.WriteAsync([started], default);
        await store.Database.States.WriteAsync([done], default);
        var after = (await store.GetAsync(pending.Id))!;
        after.State.ShouldBe(TaskState.Succeeded);
        after.Arguments.ShouldBe(info.Arguments);

        // A record first written without text (e.g. revoked before it was seen) takes the text of the next write.
        var revokedFirst = Guid.NewGuid().ToString();
        await store.Database.States.WriteAsync([store.NewWrite(revokedFirst, "state_tests.add", host.Queue, TaskState.Started, 1)], default);
        await store.Database.States.WriteAsync([store.NewWrite(revokedFirst, "state_tests.add", host.Queue, TaskState.Failed, 1).WithArguments("[3]")], default);
        (await store.GetAsync(revokedFirst))!.Arguments.ShouldBe("[3]");
    }

    [Fact]
    public void The_text_is_cut_on_a_character_boundary_without_NUL()
    {
        var text = ArgumentsText.Compose(new string('a', ArgumentsText.MaxLength - 4) + "😀tail", "{}")!;
        text.Length.ShouldBe(ArgumentsText.MaxLength - 1, "the surrogate pair at the cut is dropped whole");
        text.ShouldEndWith("a...");
        ArgumentsText.Compose("[\"a\0b\"]", null).ShouldBe("[\"a\uFFFDb\"]");
        ArgumentsText.Compose("[1]", " {} ").ShouldBe("[1]");
        ArgumentsText.Compose("[1]", "{\"x\":2}").ShouldBe("[1] {\"x\":2}");
        ArgumentsText.Compose(null, "{\"x\":2}").ShouldBeNull();
    }

    /// <summary>A Celery protocol 2 message as a Celery client sends it (no TaskFlow headers).</summary>
    private static async Task PublishCeleryAsync(string queue, string id, string task, string? argsRepr, string? kwargsRepr, string args, bool wholeBody = false)
    {
        var headers = new Dictionary<string, object?> { ["id"] = id, ["task"] = task, ["lang"] = "py", ["root_id"] = id, ["retries"] = 0 };
        if (argsRepr is not null)
        {
            headers["argsrepr"] = argsRepr;
        }

        if (kwargsRepr is not null)
        {
            headers["kwargsrepr"] = kwargsRepr;
        }

        var body = wholeBody ? args : $"[{args},{{}},{{\"callbacks\":null,\"errbacks\":null,\"chain\":null,\"chord\":null}}]";
        var factory = new ConnectionFactory { Uri = TestEnvironment.BrokerUri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var properties = new BasicProperties { ContentType = "application/json", ContentEncoding = "utf-8", Headers = headers, Persistent = true };
        await channel.BasicPublishAsync("", queue, mandatory: true, properties, Encoding.UTF8.GetBytes(body));
    }
}
