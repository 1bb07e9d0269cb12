using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskFlow.Core;
using TaskFlow.Core.Replay;

namespace TaskFlow.Hosting;

/// <summary>
/// TaskFlow commands that run inside the application's own host, with its tasks, services and configuration:
/// <c>dotnet run --project MyWorker -- taskflow replay &lt;task-id&gt;</c>. Call it before running the host:
/// <code>
/// using var host = builder.Build();
/// if (await host.RunTaskFlowCommandAsync(args) is { } exitCode) return exitCode;
/// await host.RunAsync();
/// </code>
/// </summary>
public static class TaskFlowHostCommands
{
    private const string Usage = """
        Usage: <your worker> taskflow replay <task-id> [--queue <queue>] [--break] [--wait-for-debugger]
               <your worker> taskflow replay --file <message.json> [--break] [--wait-for-debugger]

        Runs one task's exact message in this process, with this host's services, without consuming from the live
        queue and without recording anything in the state store: step through it in a debugger with production arguments.
          <task-id>             find the message among the dead letters ({queue}.dead; all TaskFlow queues unless --queue)
          --file <path>         the message as `taskflow dead show <task-id> --json` writes it
          --break               break into the attached debugger just before the task runs
          --wait-for-debugger   print this process id and wait until a debugger attaches
        """;

    /// <summary>
    /// Runs a TaskFlow command when <paramref name="args"/> start with <c>taskflow</c> (the host's hosted services are not
    /// started: no worker consumes) and returns its exit code; returns <c>null</c> otherwise, to run the host as usual.
    /// Commands: <c>taskflow replay &lt;task-id&gt; | --file &lt;message.json&gt;</c> (see docs/operations.md).
    /// </summary>
    public static Task<int?> RunTaskFlowCommandAsync(this IHost host, string[] args, CancellationToken cancellationToken = default) =>
        RunTaskFlowCommandAsync(host, args, Console.Out, Console.Error, cancellationToken);

    /// <summary>As <see cref="RunTaskFlowCommandAsync(IHost, string[], CancellationToken)"/>, writing to the given writers.</summary>
    public static async Task<int?> RunTaskFlowCommandAsync(this IHost host, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length == 0 || args[0] != "taskflow")
        {
            return null;
        }

        if (args.Length < 2 || args[1] != "replay")
        {
            await error.WriteLineAsync(args.Length < 2 ? "taskflow: which command? Only `replay` runs inside the application's host; the other commands are in the taskflow tool." : $"taskflow: unknown command '{args[1]}' here.").ConfigureAwait(false);
            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        string? taskId = null, file = null, queue = null;
        bool breakFirst = false, wait = false;
        for (var i = 2; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--file" when i + 1 < args.Length:
                    file = args[++i];
                    break;
                case "--queue" when i + 1 < args.Length:
                    queue = args[++i];
                    break;
                case "--break":
                    breakFirst = true;
                    break;
                case "--wait-for-debugger":
                    wait = true;
                    break;
                case var value when !value.StartsWith('-') && taskId is null:
                    taskId = value;
                    break;
                default:
                    await error.WriteLineAsync($"taskflow replay: unexpected argument '{args[i]}'.").ConfigureAwait(false);
                    await error.WriteLineAsync(Usage).ConfigureAwait(false);
                    return 2;
            }
        }

        if ((taskId is null) == (file is null))
        {
            await error.WriteLineAsync("taskflow replay: give either a task id or --file <message.json>.").ConfigureAwait(false);
            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        try
        {
            ReplayMessage message;
            if (file is not null)
            {
                message = ReplayMessage.FromFile(file);
            }
            else
            {
                var sources = host.Services.GetServices<IDeadLetterSource>().ToList();
                if (sources.Count == 0)
                {
                    throw new ReplayException("This host has no transport to read dead letters from (.UseRabbitMq(...)); use --file <message.json> instead.");
                }

                message = await FindAsync(sources, taskId!, queue, cancellationToken).ConfigureAwait(false)
                    ?? throw new ReplayException($"No dead letter has task id {taskId}{(queue is null ? " in any TaskFlow queue" : $" in {queue}.dead")}. A task that did not fail for good has no message left to replay; save one with `taskflow dead show <task-id> --json > message.json` while it is there.");
            }

            return await ReplayRunner.RunAsync(host.Services, message, new ReplayOptions(breakFirst, wait), output, cancellationToken).ConfigureAwait(false);
        }
        catch (ReplayException ex)
        {
            await error.WriteLineAsync($"taskflow replay: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
    }

    private static async Task<ReplayMessage?> FindAsync(System.Collections.Generic.List<IDeadLetterSource> sources, string taskId, string? queue, CancellationToken cancellationToken)
    {
        foreach (var source in sources)
        {
            if (await source.FindAsync(taskId, queue, cancellationToken).ConfigureAwait(false) is { } message)
            {
                return message;
            }
        }

        return null;
    }
}
