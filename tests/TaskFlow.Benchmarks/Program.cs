using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;

namespace TaskFlow.Benchmarks;

/// <summary>
/// Runs phases (a) enqueue with confirms, (b) consume no-op tasks, (c) sequential end-to-end latency, (d) bulk enqueue
/// (one batch call against raw windowed publishing), for the
/// raw baseline and for TaskFlow, against the same broker in one process, and prints medians and ratios.
/// </summary>
internal static class Program
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);

    private static async Task<int> Main(string[] args)
    {
        if (args is ["--scale-worker"])
        {
            return await Scale.WorkerMainAsync().ConfigureAwait(false);
        }

        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            if (ex.Message.Length > 0)
            {
                Console.Error.WriteLine(ex.Message);
            }

            Console.Error.WriteLine(BenchOptions.Usage);
            return ex.Message.Length > 0 ? 2 : 0;
        }

        if (options.InProcess)
        {
            return await InProcess.RunAsync(options).ConfigureAwait(false);
        }

        PrintMachine(options);
        var broker = new Broker(options.Uri);
        await using (broker.ConfigureAwait(false))
        {
            if (options.Scale)
            {
                return await Scale.RunAsync(options, broker).ConfigureAwait(false);
            }

            var sides = new List<IScenario>();
            foreach (var name in options.Sides)
            {
                sides.Add(name switch
                {
                    "raw" => new RawBaseline(broker, options),
                    "raw-state" => new RawStoreBaseline(broker, options),
                    "celery-wire" => new RawBaseline(broker, options, CeleryWire.Create(new string('x', TaskFlowScenario.PayloadLengthForBaseline))),
                    "taskflow-state" => new TaskFlowScenario(broker, options, withStateStore: true),
                    _ => new TaskFlowScenario(broker, options, withStateStore: false),
                });
            }

            var rows = new List<Row>();
            var busyReadings = new List<double>();
            var clock = Stopwatch.StartNew();
            foreach (var phase in "abcd")
            {
                if (!options.RunsPhase(phase))
                {
                    continue;
                }

                var results = sides.ToDictionary(side => side.Name, _ => new List<Measurement>());
                foreach (var side in sides)
                {
                    await WarmUpAsync(side, broker, options, phase).ConfigureAwait(false);
                }

                // Rotate the order of the sides from run to run so that drift hits all of them alike.
                for (var run = 0; run < options.Runs; run++)
                {
                    for (var k = 0; k < sides.Count; k++)
                    {
                        var side = sides[(k + run) % sides.Count];
                        var busy = options.QuietCpuPercent < 100
                            ? await MachineLoad.WaitForQuietAsync(options.QuietCpuPercent, options.QuietWait).ConfigureAwait(false)
                            : await MachineLoad.BusyPercentAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                        busyReadings.Add(busy);
                        var jitBefore = JitInfo.GetCompilationTime();
                        var m = await RunAsync(side, broker, options, phase, run.ToString(Ci), warmup: false).ConfigureAwait(false);
                        var jit = JitInfo.GetCompilationTime() - jitBefore;
                        results[side.Name].Add(m);
                        Console.WriteLine(string.Create(Ci, $"[{phase}] {side.Name} run {run + 1}/{options.Runs}: {Describe(phase, m)} (CPU busy before: {busy:F0}%, load avg {LoadAverage():F2}, JIT {jit.TotalMilliseconds:F0} ms)"));
                    }
                }

                rows.Add(new Row(phase, results.ToDictionary(r => r.Key, r => Measurement.Median(r.Value))));
            }

            Console.WriteLine();
            Console.WriteLine(Table(rows, sides.Select(s => s.Name).ToList(), options));
            if (busyReadings.Count > 0)
            {
                Console.WriteLine(string.Create(Ci,
                    $"CPU busy (other processes, 1 s) just before the timed runs: median {busyReadings.Order().ElementAt(busyReadings.Count / 2):F0}%, max {busyReadings.Max():F0}%; total time {clock.Elapsed.TotalSeconds:F0} s"));
            }
        }

        return 0;
    }

    /// <summary>
    /// Untimed passes of <see cref="BenchOptions.WarmupMessages"/> until the JIT is quiet: at least
    /// <see cref="BenchOptions.WarmupSeconds"/>, then until <see cref="QuietPasses"/> passes in a row compiled for less
    /// than <see cref="QuietJitShare"/> of their time, at most <see cref="MaxWarmup"/>. The runtime compiles a hot method
    /// again, optimized, in the background some time after its first calls (tiered compilation with dynamic PGO), and
    /// each pass starts a new host whose own first-time compilation delays that. Measured with the state store, the
    /// side with the most code: after one 40,000-task pass (or three of 5,000, or 8 s of passes) the first timed run
    /// still compiled for 1.2-2.8 s and took 67-127 us of CPU per task against 37-49 once the JIT had settled (which
    /// took 25-30 s of passes run alone, with bursts of recompilation until then); with tiered compilation off the
    /// first run was like the others. Every pass and run prints its JIT time: each new host still compiles a few dozen
    /// dynamic methods (its service provider's resolvers, options factories), so quiet is not zero.
    /// </summary>
    private static async Task WarmUpAsync(IScenario side, Broker broker, BenchOptions options, char phase)
    {
        var warming = Stopwatch.StartNew();
        var quietInARow = 0;
        for (var pass = 1; ; pass++)
        {
            var jitBefore = JitInfo.GetCompilationTime();
            var methodsBefore = JitInfo.GetCompiledMethodCount();
            var started = Stopwatch.GetTimestamp();
            await RunAsync(side, broker, options, phase, pass == 1 ? "warmup" : $"warmup{pass}", warmup: true).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var jit = JitInfo.GetCompilationTime() - jitBefore;
            var methods = JitInfo.GetCompiledMethodCount() - methodsBefore;
            quietInARow = jit < elapsed * QuietJitShare ? quietInARow + 1 : 0;
            var settled = warming.Elapsed.TotalSeconds >= options.WarmupSeconds && quietInARow >= QuietPasses;
            var giveUp = !settled && warming.Elapsed >= MaxWarmup;
            if (settled || giveUp || options.Verbose)
            {
                Console.WriteLine(string.Create(Ci,
                    $"[{phase}] {side.Name}: warm-up pass {pass}: {elapsed.TotalSeconds:F2} s, JIT {jit.TotalMilliseconds:F0} ms ({methods} methods){(settled ? $"; JIT quiet, warmed up in {warming.Elapsed.TotalSeconds:F0} s" : giveUp ? $"; JIT still busy after {warming.Elapsed.TotalSeconds:F0} s, timing anyway" : "")}"));
            }

            if (settled || giveUp)
            {
                return;
            }
        }
    }

    /// <summary>A warm-up pass is quiet when the JIT compiled for less than this share of its time.</summary>
    private const double QuietJitShare = 0.05;

    /// <summary>Quiet warm-up passes in a row that end the warm-up.</summary>
    private const int QuietPasses = 3;

    /// <summary>The longest warm-up per side and phase.</summary>
    private static readonly TimeSpan MaxWarmup = TimeSpan.FromSeconds(90);

    /// <summary>
    /// One run; if the broker went away during it (other suites on this machine stop and restart the shared
    /// node), waits for it to come back and runs again, at most twice more.
    /// </summary>
    private static async Task<Measurement> RunAsync(IScenario side, Broker broker, BenchOptions options, char phase, string run, bool warmup)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RunOnceAsync(side, broker, options, phase, attempt == 1 ? run : $"{run}r{attempt}", warmup).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < 3 && IsBrokerTrouble(ex))
            {
                Console.WriteLine($"    run failed ({ex.GetType().Name}: {ex.Message.Split('\n')[0]}); waiting for the broker and running it again");
                await broker.WaitUntilReachableAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
            }
        }
    }

    private static bool IsBrokerTrouble(Exception ex) =>
        ex is TimeoutException or TaskPublishException or RabbitMQ.Client.Exceptions.BrokerUnreachableException
            or RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException
            or RabbitMQ.Client.Exceptions.PublishException or InvalidOperationException or OperationCanceledException or IOException;

    private static async Task<Measurement> RunOnceAsync(IScenario side, Broker broker, BenchOptions options, char phase, string run, bool warmup)
    {
        var queue = broker.NewQueue(side.Name, phase, run);
        var perRun = phase == 'd' ? options.BulkMessages : options.Messages;
        var messages = warmup ? Math.Min(options.WarmupMessages, perRun) : perRun;
        try
        {
            // Settle: the previous run's garbage is not this run's.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var running = phase switch
            {
                'a' => side.SendAsync(queue, messages),
                'b' => side.ConsumeAsync(queue, messages),
                'd' => side.SendBatchAsync(queue, messages),
                _ => side.LatencyAsync(queue, warmup ? Math.Min(500, options.LatencyMessages) : options.LatencyMessages, warmup ? 100 : 200),
            };

            // A broker restarted under the harness (other test suites share it) must fail the run, not hang it.
            return await running.WaitAsync(RunTimeout).ConfigureAwait(false);
        }
        finally
        {
            await broker.DeleteQueuesAsync().ConfigureAwait(false);
        }
    }

    private static string Describe(char phase, Measurement m) => phase == 'c'
        ? string.Create(Ci, $"p50 {m.P50Milliseconds:F3} ms, p99 {m.P99Milliseconds:F3} ms, {m.AllocatedBytesPerMessage:F0} B/msg, gen0/1/2 {m.Gen0}/{m.Gen1}/{m.Gen2}, CPU us/msg: harness {m.ProcessCpuMicrosecondsPerMessage:F0}, broker {m.BrokerCpuMicrosecondsPerMessage:F0}, PostgreSQL {m.DatabaseCpuMicrosecondsPerMessage:F0}, thread-pool work items/msg {m.WorkItemsPerMessage:F2}")
        : string.Create(Ci, $"{m.MessagesPerSecond:F0} msg/s ({m.Seconds:F2} s), {m.AllocatedBytesPerMessage:F0} B/msg, gen0/1/2 {m.Gen0}/{m.Gen1}/{m.Gen2}, CPU us/msg: harness {m.ProcessCpuMicrosecondsPerMessage:F0}, broker {m.BrokerCpuMicrosecondsPerMessage:F0}, PostgreSQL {m.DatabaseCpuMicrosecondsPerMessage:F0}, thread-pool work items/msg {m.WorkItemsPerMessage:F2}");

    private static string Table(List<Row> rows, List<string> sides, BenchOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine(Ci, $"Medians of {options.Runs} run(s); N = {options.Messages} (a, b), {options.BulkMessages} (d), {options.LatencyMessages} sequential round trips (c); window {options.Window}, prefetch {options.Prefetch}, consumer concurrency {options.Concurrency}; quorum queue, persistent, confirms + mandatory, manual ack.");
        text.AppendLine();
        // Ratio columns: each TaskFlow side against the raw baseline(s), and TaskFlow with the store against without.
        var ratios = new List<(string Side, string Baseline)>();
        foreach (var side in sides.Where(s => s.StartsWith("taskflow", StringComparison.Ordinal)))
        {
            ratios.AddRange(sides.Where(b => b is "raw" or "celery-wire").Select(b => (side, b)));
        }

        if (sides.Contains("taskflow") && sides.Contains("taskflow-state"))
        {
            ratios.Add(("taskflow-state", "taskflow"));
        }

        // The hand-written store against the raw side: the floor of what keeping the store's guarantees costs.
        if (sides.Contains("raw") && sides.Contains("raw-state"))
        {
            ratios.Add(("raw-state", "raw"));
        }

        if (sides.Contains("raw-state") && sides.Contains("taskflow-state"))
        {
            ratios.Add(("taskflow-state", "raw-state"));
        }

        text.Append("| phase | metric |");
        foreach (var side in sides)
        {
            text.Append(' ').Append(Header(side)).Append(" |");
        }

        foreach (var (side, baseline) in ratios)
        {
            text.Append(' ').Append(Header(side)).Append(" / ").Append(Header(baseline)).Append(" |");
        }

        text.AppendLine();
        text.Append("|---|---|").Append(string.Concat(Enumerable.Repeat("---:|", sides.Count + ratios.Count))).AppendLine();
        foreach (var row in rows)
        {
            var name = row.Phase switch
            {
                'a' => "(a) enqueue, confirms",
                'b' => "(b) consume no-op, manual ack",
                'd' => "(d) bulk enqueue, confirms",
                _ => "(c) end-to-end latency",
            };
            if (row.Phase == 'c')
            {
                Line(text, row, sides, ratios, name, "p50 ms", m => m.P50Milliseconds!.Value, "F3");
                Line(text, row, sides, ratios, name, "p99 ms", m => m.P99Milliseconds!.Value, "F3");
            }
            else
            {
                Line(text, row, sides, ratios, name, "msg/s", m => m.MessagesPerSecond, "F0");
            }

            Line(text, row, sides, ratios, name, "alloc B/msg", m => m.AllocatedBytesPerMessage, "F0");
            Line(text, row, sides, ratios, name, "CPU us/msg, this process", m => m.ProcessCpuMicrosecondsPerMessage, "F1");
            if (BrokerProcess.Found)
            {
                Line(text, row, sides, ratios, name, "CPU us/msg, broker", m => m.BrokerCpuMicrosecondsPerMessage, "F1");
            }

            if (sides.Contains("taskflow-state") || sides.Contains("raw-state"))
            {
                Line(text, row, sides, ratios, name, "CPU us/msg, PostgreSQL", m => m.DatabaseCpuMicrosecondsPerMessage, "F1");
            }

            Line(text, row, sides, ratios, name, "thread-pool work items/msg", m => m.WorkItemsPerMessage, "F2");
            text.Append(Ci, $"| {name} | GCs gen0/1/2 |");
            foreach (var side in sides)
            {
                var m = row.Results[side];
                text.Append(Ci, $" {m.Gen0}/{m.Gen1}/{m.Gen2} |");
            }

            text.Append(string.Concat(Enumerable.Repeat(" |", ratios.Count))).AppendLine();
        }

        return text.ToString();
    }

    private static void Line(StringBuilder text, Row row, List<string> sides, List<(string Side, string Baseline)> ratios, string name, string metric, Func<Measurement, double> value, string format)
    {
        text.Append(Ci, $"| {name} | {metric} |");
        foreach (var side in sides)
        {
            text.Append(' ').Append(value(row.Results[side]).ToString(format, Ci)).Append(" |");
        }

        foreach (var (side, baseline) in ratios)
        {
            var under = value(row.Results[baseline]);
            text.Append(' ').Append(under > 0 ? (value(row.Results[side]) / under).ToString("F2", Ci) + "x" : "-").Append(" |");
        }

        text.AppendLine();
    }

    private static string Header(string side) => side switch
    {
        "raw" => "raw RabbitMQ.Client",
        "raw-state" => "raw + store by hand",
        "celery-wire" => "raw, TaskFlow's wire format",
        "taskflow-state" => "TaskFlow + state store",
        _ => "TaskFlow",
    };

    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], Ci);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }

    private static void PrintMachine(BenchOptions options)
    {
        // One real TaskFlow message, built by TaskFlow's envelope code, to report its actual size.
        var sample = CeleryWire.Create(new string('x', TaskFlowScenario.PayloadLengthForBaseline));
        Console.WriteLine(string.Create(Ci,
            $"TaskFlow.Benchmarks: {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, " +
            $"GC {(GCSettings.IsServerGC ? "server" : "workstation")}/{GCSettings.LatencyMode}, RabbitMQ.Client {typeof(RabbitMQ.Client.IChannel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]}"));
        Console.WriteLine(string.Create(Ci,
            $"broker {Broker.Redact(options.Uri)}; body: raw {RawBaseline.BodySize} B, TaskFlow {sample.Body.Length} B + {sample.Properties.Headers!.Count} Celery protocol v2 headers"));
    }

    private sealed record Row(char Phase, Dictionary<string, Measurement> Results);
}
