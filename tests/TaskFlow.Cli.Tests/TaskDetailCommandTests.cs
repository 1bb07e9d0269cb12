using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.State;
using Xunit;

namespace TaskFlow.Cli.Tests;

/// <summary><c>taskflow task &lt;id&gt;</c> with its attempts and headers, and <c>taskflow tasks --args</c>, against the real broker and PostgreSQL.</summary>
public sealed class TaskDetailCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Task_shows_every_attempt_with_its_error_and_stack_and_the_headers_of_its_message()
    {
        await using var host = await CliHost.StartAsync(concurrency: 2);
        var cli = new Cli(host.Schema);
        var key = "cli-" + Guid.NewGuid().ToString("N")[..8];
        var handle = await host.Tasks.FailTwice.ApplyAsync(key, host.Options());
        (await host.Store.WaitAsync(handle.Id, Wait)).State.ShouldBe(TaskState.Succeeded);

        var text = (await cli.RunAsync("task", handle.Id)).EnsureSuccess().StandardOutput;
        text.ShouldContain("attempts");
        text.ShouldContain($"System.InvalidOperationException: cli attempt 1 of {key} failed");
        text.ShouldContain($"System.InvalidOperationException: cli attempt 2 of {key} failed");
        text.ShouldContain("Retrying");
        text.ShouldContain("Succeeded");
        text.ShouldContain("attempt 1 stack:");
        text.ShouldContain("attempt 2 stack:");
        text.ShouldNotContain("attempt 3 stack:", customMessage: "the successful attempt has no stack");
        text.ShouldContain("at TaskFlow.Cli.Tests.CliTasks.Throw");
        text.ShouldContain("headers");
        text.ShouldContain("argsrepr");
        text.ShouldContain($"[\"{key}\"]");

        var json = await cli.JsonAsync("task", handle.Id);
        json.GetProperty("attempts").GetInt32().ShouldBe(3);
        json.GetProperty("headers").GetProperty("task").GetString().ShouldBe("cli_tests.fail_twice");
        json.GetProperty("headers").GetProperty("id").GetString().ShouldBe(handle.Id);
    }

    [Fact]
    public async Task Tasks_args_lists_the_tasks_whose_arguments_contain_the_text_case_insensitively()
    {
        await using var host = await CliHost.StartAsync(concurrency: 2);
        var cli = new Cli(host.Schema);
        var customer = "Customer-" + Guid.NewGuid().ToString("N")[..8];
        var order = await host.Tasks.Flaky.ApplyAsync(customer + "-order", host.Options());
        var refund = await host.Tasks.Flaky.ApplyAsync(customer + "-refund", host.Options());
        var other = await host.Tasks.Flaky.ApplyAsync("someone-else-" + Guid.NewGuid().ToString("N")[..8], host.Options());
        foreach (var id in new[] { order.Id, refund.Id, other.Id })
        {
            (await host.Store.WaitAsync(id, Wait)).State.ShouldBe(TaskState.Succeeded);
        }

        static string[] Ids(JsonElement page) => page.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("taskId").GetString()!).Order(StringComparer.Ordinal).ToArray();

        Ids(await cli.JsonAsync("tasks", "--args", customer.ToUpperInvariant())).ShouldBe(new[] { order.Id, refund.Id }.Order(StringComparer.Ordinal).ToArray(), "case-insensitive");
        Ids(await cli.JsonAsync("tasks", "--args", customer + "-REFUND", "--queue", host.Queue)).ShouldBe([refund.Id]);
        Ids(await cli.JsonAsync("tasks", "--args", customer, "--state", "failed")).ShouldBeEmpty("with the other filters");
        Ids(await cli.JsonAsync("tasks", "--args", "no such text " + Guid.NewGuid().ToString("N"))).ShouldBeEmpty();

        var table = (await cli.RunAsync("tasks", "--args", customer)).EnsureSuccess().StandardOutput;
        table.ShouldContain(order.Id);
        table.ShouldContain(refund.Id);
        table.ShouldNotContain(other.Id);

        var tooLong = await cli.RunAsync("tasks", "--args", new string('x', 1001));
        tooLong.ExitCode.ShouldNotBe(0);
        tooLong.StandardError.ShouldContain("ArgumentsContains");
    }
}
