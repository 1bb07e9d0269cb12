using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskFlow.Core.Internal;
using TaskFlow.Infrastructure;

namespace TaskFlow.Core.Replay;

/// <summary>
/// Runs one task message in this process, through the real decoder, argument binding and dispatcher, with the host's
/// own services, but outside the worker: nothing is consumed, acked, retried or recorded in the state store (the
/// replay does not touch the task's production state). The message's ETA and expiry are ignored so it runs now.
/// </summary>
internal static class ReplayRunner
{
    /// <summary>Headers that would stop or delay the run here.</summary>
    private static readonly string[] Ignored = ["eta", "expires"];

    public static async Task<int> RunAsync(IServiceProvider services, ReplayMessage message, ReplayOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, object?>(message.Headers, StringComparer.Ordinal);
        foreach (var name in Ignored)
        {
            headers.Remove(name);
        }

        using var incoming = IncomingTask.TryDecode(headers, message.ContentType, "utf-8", message.Body, out var reason, out var detail)
            ?? throw new ReplayException($"The message from {message.Source} cannot be decoded ({reason}): {detail}. A worker dead-letters such messages too; there is nothing to run.");
        var registry = services.GetRequiredService<TaskRegistry>();
        if (!registry.TryGet(incoming.TaskName, out var task))
        {
            throw new ReplayException(
                $"Task '{incoming.TaskName}' is not registered in this host: run the replay in the worker project that runs it (the one calling .Add{{Assembly}}Tasks() for it).");
        }

        var flow = services.GetRequiredService<IOptions<TaskFlowOptions>>().Value;
        output.WriteLine($"Replaying task {incoming.TaskName} [{incoming.Id}] from {message.Source}");
        output.WriteLine($"  method:  {task.Method}");
        output.WriteLine($"  args:    {incoming.Args.GetRawText()}");
        output.WriteLine($"  kwargs:  {incoming.Kwargs.GetRawText()}");
        output.WriteLine($"  queue:   {message.Queue}, attempt {incoming.Attempt}; not acked, retried or recorded: the task's own side effects do happen");
        if (options.WaitForDebugger)
        {
            output.WriteLine($"  waiting for a debugger to attach to process {Environment.ProcessId} ...");
            while (!Debugger.IsAttached)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }

        if (options.Break && Debugger.IsAttached)
        {
            // Step into the task from here (F11 over ExecuteAsync, or set a breakpoint in the task method).
            Debugger.Break();
        }

        var executor = new TaskExecutor(
            registry,
            services.GetRequiredService<IServiceScopeFactory>(),
            flow,
            services.GetRequiredService<TimeProvider>(),
            NoStateRecorder.Instance,
            new LongRunningTasks(NoStateRecorder.Instance, flow, consumerTimeout: null),
            ConcurrencyLimits.None,
            RateLimits.None,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var watch = Stopwatch.StartNew();
        var outcome = await executor.ExecuteAsync(incoming, message.Queue, maxDelay: null, cancellationToken).ConfigureAwait(false);
        watch.Stop();
        switch (outcome.Kind)
        {
            case TaskOutcomeKind.Succeeded:
                output.WriteLine($"Succeeded in {watch.Elapsed.TotalMilliseconds:0} ms; result: {Result(outcome.Result, flow)}");
                return 0;
            case TaskOutcomeKind.Failed when outcome.Exception is TaskRetryException retry:
                output.WriteLine($"The task asked for a retry ({retry.Message}) after {watch.Elapsed.TotalMilliseconds:0} ms; a replay runs once.");
                return 1;
            case TaskOutcomeKind.Failed:
                output.WriteLine($"Failed in {watch.Elapsed.TotalMilliseconds:0} ms:");
                output.WriteLine(outcome.Exception?.ToString() ?? outcome.Detail);
                return 1;
            default:
                output.WriteLine($"{outcome.Kind}: {outcome.Detail}{(outcome.Exception is { } ex ? Environment.NewLine + ex : string.Empty)}");
                return 1;
        }
    }

    private static string Result(object? result, TaskFlowOptions flow)
    {
        if (result is null)
        {
            return "(none)";
        }

        try
        {
            return JsonSerializer.Serialize(result, result.GetType(), flow.SerializerOptions);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
        {
            return result.ToString() ?? result.GetType().Name;
        }
    }
}

/// <summary>The replay command's switches.</summary>
internal readonly record struct ReplayOptions(bool Break, bool WaitForDebugger);
