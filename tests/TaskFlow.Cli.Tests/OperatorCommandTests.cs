using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.State;
using Xunit;
using TaskFlow.TestSupport;

namespace TaskFlow.Cli.Tests;

/// <summary>Pausing and resuming a queue, deleting task records, and sensitive arguments in the tool's output, against the real broker and PostgreSQL.</summary>
public sealed class OperatorCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Queues_pause_and_resume_stop_and_restart_the_worker_and_are_audited()
    {
        await using var host = await CliHost.StartAsync(concurrency: 2);
        var cli = new Cli(host.Schema);
        var store = (TaskStateStore)host.Store;

        var paused = await cli.JsonAsync("queues", "pause", host.Queue, "--reason", "maintenance");
        paused.GetProperty("paused").GetBoolean().ShouldBeTrue();
        paused.GetProperty("changed").GetBoolean().ShouldBeTrue();
        var pause = (await store.GetPausedQueuesAsync()).Single(p => p.Queue == host.Queue);
        pause.Reason.ShouldBe("maintenance");
        pause.PausedBy.ShouldStartWith("cli (");
        (await cli.RunAsync("queues", "pause", host.Queue)).EnsureSuccess().StandardOutput.ShouldContain("was paused already");

        // The worker stops consuming within a second or two; what is sent meanwhile waits in the queue.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var handle = await host.Tasks.Flaky.ApplyAsync("while-paused", host.Options());
        await Task.Delay(TimeSpan.FromSeconds(3));
        CliTasks.Runs.ContainsKey(handle.Id).ShouldBeFalse("a paused queue is not consumed");
        (await CliHost.CountAsync(host.Queue)).ShouldBe(1u);

        (await cli.RunAsync("queues", "resume", host.Queue)).EnsureSuccess().StandardOutput.ShouldContain($"resumed queue '{host.Queue}'");
        (await host.Store.WaitAsync(handle.Id, Wait)).State.ShouldBe(TaskState.Succeeded);
        (await cli.JsonAsync("queues", "resume", host.Queue)).GetProperty("changed").GetBoolean().ShouldBeFalse();

        var audit = await store.GetAuditLogAsync();
        audit.ShouldContain(e => e.Action == "queue.pause" && e.Target == host.Queue && e.UserName.StartsWith("cli (") && e.Detail == "reason=maintenance");
        audit.ShouldContain(e => e.Action == "queue.resume" && e.Target == host.Queue);

        // The plain `queues` command still takes queue names.
        (await cli.RunAsync("queues", host.Queue)).EnsureSuccess().StandardOutput.ShouldContain(host.Queue);
    }

    [Fact]
    public async Task Tasks_delete_removes_finished_records_and_keeps_unfinished_ones()
    {
        await using var host = await CliHost.StartAsync(concurrency: 2);
        var cli = new Cli(host.Schema);
        var done = await host.Tasks.Flaky.ApplyAsync("to-delete", host.Options());
        (await host.Store.WaitAsync(done.Id, Wait)).State.ShouldBe(TaskState.Succeeded);
        var parked = "tf-cli-parked-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var pending = await host.Tasks.Flaky.ApplyAsync("pending", host.Options(parked, "doc:" + Guid.NewGuid().ToString("N")[..6]));
            (await host.Store.GetAsync(pending.Id))!.State.ShouldBe(TaskState.Pending);

            var refused = await cli.RunWithInputAsync("n\n", "tasks", "delete", done.Id);
            refused.ExitCode.ShouldBe(1);
            (await host.Store.GetAsync(done.Id)).ShouldNotBeNull("not confirmed: nothing deleted");

            var result = await cli.JsonAsync("tasks", "delete", done.Id, pending.Id, "no-such-task", "--yes");
            result.GetProperty("deleted").GetInt32().ShouldBe(1);
            result.GetProperty("skippedUnfinished").GetInt32().ShouldBe(1);
            result.GetProperty("notFound").GetInt32().ShouldBe(1);
            (await host.Store.GetAsync(done.Id)).ShouldBeNull();
            (await host.Store.GetAsync(pending.Id)).ShouldNotBeNull();
            (await ((TaskStateStore)host.Store).GetAuditLogAsync()).ShouldContain(e => e.Action == "tasks.delete" && e.Outcome!.Contains("deleted 1 of 3"));
        }
        finally
        {
            await CliHost.DeleteQueuesAsync(parked);
        }
    }

    [Fact]
    public async Task Dead_show_and_list_show_sensitive_arguments_as_stars()
    {
        await using var host = await CliHost.StartAsync(concurrency: 2);
        var cli = new Cli(host.Schema);
        const string Secret = "tok-4f1d9c-very-secret";
        var handle = await host.Tasks.Sensitive.ApplyAsync("visible-key", Secret, host.Options());
        (await host.Store.WaitAsync(handle.Id, Wait)).State.ShouldBe(TaskState.Failed);
        await Eventually.UntilAsync(async () => await CliHost.CountAsync(host.Queue + ".dead") == 1, Wait, "the dead letter arrived");

        var show = await cli.RunAsync("dead", "show", handle.Id, "--queue", host.Queue);
        show.EnsureSuccess().StandardOutput.ShouldNotContain(Secret);
        show.StandardOutput.ShouldContain("\"***\"");
        show.StandardOutput.ShouldContain("visible-key", Case.Sensitive, "arguments that are not sensitive still show");
        show.StandardOutput.ShouldContain("x-taskflow-sensitive: 1:api_token");

        var json = await cli.RunAsync("dead", "show", handle.Id, "--queue", host.Queue, "--json");
        json.EnsureSuccess().StandardOutput.ShouldNotContain(Secret);
        json.StandardOutput.ShouldContain("visible-key");
        var list = await cli.RunAsync("dead", "list", host.Queue, "--json");
        list.EnsureSuccess().StandardOutput.ShouldNotContain(Secret);
        list.StandardOutput.ShouldContain(handle.Id);

        // The message in the queue is intact: re-drive runs it with the real value (it fails again here, on purpose).
        (await cli.RunAsync("dead", "redrive", host.Queue)).EnsureSuccess();
        await Eventually.UntilAsync(() => Task.FromResult(CliTasks.Runs.GetValueOrDefault(handle.Id) == 2), Wait, "the re-driven task ran again");
    }
}
