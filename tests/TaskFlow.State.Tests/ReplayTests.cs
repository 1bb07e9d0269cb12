using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using RabbitMQ.Client;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// <c>taskflow replay</c> runs one dead letter's exact message inside the application's own worker host (a real
/// process: <c>dotnet TaskFlow.State.Worker.dll taskflow replay ...</c>) without consuming it and without touching the
/// task's state.
/// </summary>
public sealed class ReplayTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_dead_letter_saved_to_a_file_replays_in_the_worker_host_with_its_arguments_and_nothing_changes()
    {
        await using var host = await StateHost.StartAsync("postgresql");
        var key = "replay-" + Guid.NewGuid().ToString("N")[..8];
        var handle = await host.Tasks.Fail.ApplyAsync(key, host.Options());
        (await host.Store.WaitAsync(handle.Id, Timeout)).State.ShouldBeOneOf(TaskState.DeadLettered, TaskState.Failed);

        var message = await PeekDeadLetterAsync(host.Queue);
        var file = Path.Combine(Path.GetTempPath(), $"taskflow-replay-{handle.Id}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            queue = host.Queue,
            headers = message.Headers,
            contentType = message.ContentType,
            body = Encoding.UTF8.GetString(message.Body),
        }));
        try
        {
            var result = await Replay(host.Schema, host.Queue, "--file", file);
            result.ExitCode.ShouldBe(1, result.Output);
            result.StandardOutput.ShouldContain($"Replaying task state_tests.fail [{handle.Id}] from file {file}");
            result.StandardOutput.ShouldContain($"args:    [\"{key}\"]");
            result.StandardOutput.ShouldContain($"System.InvalidOperationException: boom: {key}");
            result.StandardOutput.ShouldContain("StateTasks.Fail(String key)", Case.Sensitive, "the stack trace of the task itself");

            // By task id: the worker host's own RabbitMQ configuration finds the dead letter (and leaves it there).
            var byId = await Replay(host.Schema, host.Queue, handle.Id, "--queue", host.Queue);
            byId.ExitCode.ShouldBe(1, byId.Output);
            byId.StandardOutput.ShouldContain($"Replaying task state_tests.fail [{handle.Id}] from dead letter in {host.Queue}.dead");
            byId.StandardOutput.ShouldContain($"System.InvalidOperationException: boom: {key}");
            var none = await Replay(host.Schema, host.Queue, "no-such-task", "--queue", host.Queue);
            none.ExitCode.ShouldBe(2, none.Output);
            none.StandardError.ShouldContain("No dead letter has task id no-such-task");

            // Nothing consumed, nothing recorded: the dead letter is still there, the task still failed.
            (await DeadLetterCountAsync(host.Queue)).ShouldBe(1u);
            (await host.Store.GetAsync(handle.Id))!.State.ShouldBeOneOf(TaskState.DeadLettered, TaskState.Failed);
            (await host.Store.GetAsync(handle.Id))!.Attempts.ShouldBe(1);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Replay_says_what_is_wrong_with_its_input()
    {
        var missing = await Replay("taskflow", "replay-none", "--file", "/nonexistent/message.json");
        missing.ExitCode.ShouldBe(2);
        missing.StandardError.ShouldContain("No such file: /nonexistent/message.json");

        var both = await Replay("taskflow", "replay-none");
        both.ExitCode.ShouldBe(2);
        both.StandardError.ShouldContain("give either a task id or --file");

        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, """{"queue":"q","headers":{"task":"no.such.task","id":"abc"},"body":"[[], {}, {}]"}""");
            var unknown = await Replay("taskflow", "replay-none", "--file", file);
            unknown.ExitCode.ShouldBe(2);
            unknown.StandardError.ShouldContain("Task 'no.such.task' is not registered in this host");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Task<ProcessResult> Replay(string schema, string queue, params string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            ["TASKFLOW_STATE_PG"] = TestEnvironment.PostgresConnectionString,
            ["TASKFLOW_STATE_SCHEMA"] = schema,
            ["TASKFLOW_STATE_QUEUE"] = queue,
            ["TASKFLOW_TEST_AMQP"] = TestEnvironment.BrokerUri.ToString(),
        };
        return ChildProcess.RunAsync(
            Dotnet.StartInfo([Dotnet.AppNextToTests("TaskFlow.State.Worker.dll"), "taskflow", "replay", .. arguments], AppContext.BaseDirectory, environment),
            TimeSpan.FromSeconds(60));
    }

    private sealed record DeadLetter(Dictionary<string, object?> Headers, string? ContentType, byte[] Body);

    /// <summary>Reads the queue's dead letter and puts it back (not acked).</summary>
    private static async Task<DeadLetter> PeekDeadLetterAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await channel.BasicGetAsync(queue + ".dead", autoAck: false) is { } dead)
            {
                var headers = (dead.BasicProperties.Headers ?? new Dictionary<string, object?>()).ToDictionary(
                    h => h.Key, h => Plain(h.Value), StringComparer.Ordinal);
                var result = new DeadLetter(headers, dead.BasicProperties.ContentType, dead.Body.ToArray());
                await channel.BasicNackAsync(dead.DeliveryTag, multiple: false, requeue: true);
                return result;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no dead letter in {queue}.dead");
    }

    private static object? Plain(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        IList<object?> list => list.Select(Plain).ToList(),
        _ => value,
    };

    private static async Task<uint> DeadLetterCountAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = TestEnvironment.BrokerUri }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue + ".dead")).MessageCount;
    }
}
