using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow.Benchmarks;

/// <summary>
/// <c>--in-process</c>: what TaskFlow itself costs per task, with no broker, no socket and no other thread in the
/// measurement. Eager mode runs the benchmark's no-op task inline in <c>DelayAsync</c>: the generated proxy, the envelope
/// and its headers, the JSON body, the decode and argument binding, the DI scope, the executor and the settlement, the
/// same code a worker runs around a delivery plus the sender's. One thread, so the process's CPU time is the loop's; the
/// figures move by a few percent between runs, against tens of percent for the broker phases on this machine.
/// </summary>
internal static class InProcess
{
    private const int TasksPerRun = 500_000;
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTaskFlow(o =>
        {
            o.Eager = true;
            o.DefaultQueue = "in-process";
        }).AddTaskFlowBenchmarksTasks();
        await using var provider = services.BuildServiceProvider();
        var tasks = provider.GetRequiredService<BenchTasks.Client>();
        var payload = new string('x', TaskFlowScenario.PayloadLengthForBaseline);

        // Warm-up until the JIT is quiet (tiered compilation recompiles the hot methods a while after their first calls).
        var warming = Stopwatch.StartNew();
        for (var pass = 1; ; pass++)
        {
            var jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
            await SendAsync(tasks, payload, 100_000).ConfigureAwait(false);
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore;
            if ((pass >= 3 && compiled == 0) || warming.Elapsed > TimeSpan.FromSeconds(60))
            {
                Console.WriteLine(string.Create(Ci, $"[in-process] warmed up in {warming.Elapsed.TotalSeconds:F0} s ({pass} passes of 100,000; {compiled} methods compiled in the last)"));
                break;
            }
        }

        var cpu = new List<double>();
        var bytes = new List<double>();
        for (var run = 1; run <= options.Runs; run++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var gen0 = GC.CollectionCount(0);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var processCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            await SendAsync(tasks, payload, TasksPerRun).ConfigureAwait(false);
            var elapsed = clock.Elapsed;
            var used = Process.GetCurrentProcess().TotalProcessorTime - processCpu;
            var perTaskBytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)TasksPerRun;
            cpu.Add(used.TotalNanoseconds / TasksPerRun);
            bytes.Add(perTaskBytes);
            Console.WriteLine(string.Create(Ci, $"[in-process] run {run}/{options.Runs}: {elapsed.TotalNanoseconds / TasksPerRun:F0} ns per task, CPU {used.TotalNanoseconds / TasksPerRun:F0} ns per task, {perTaskBytes:F0} B per task, gen0 {GC.CollectionCount(0) - gen0}"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(Ci, $"Medians of {options.Runs} run(s) of {TasksPerRun:N0} tasks, eager mode, one thread, no broker:"));
        Console.WriteLine();
        Console.WriteLine("| figure | TaskFlow in process |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine(string.Create(Ci, $"| CPU ns per task (send + run) | {Measurement.MedianOf(cpu):F0} |"));
        Console.WriteLine(string.Create(Ci, $"| bytes allocated per task | {Measurement.MedianOf(bytes):F0} |"));
        return 0;
    }

    private static async Task SendAsync(BenchTasks.Client tasks, string payload, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await tasks.Noop.DelayAsync(i, payload).ConfigureAwait(false);
        }
    }
}
