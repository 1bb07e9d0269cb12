using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.State;

namespace TaskFlow.Benchmarks;

/// <summary>
/// The scale mode (<c>--scale</c>): throughput of an I/O-bound task (<see cref="BenchTasks.Sleep"/>, a
/// <c>Task.Delay</c> of <c>--task-ms</c>) with 1, 2, 4 worker processes and 1, 2, 8, 32 slots each, with TaskFlow's
/// default prefetch, and the CPU per task of the workers, the broker and PostgreSQL. Each cell: a fresh queue pre-filled
/// with N tasks in one <c>DelayManyAsync</c> (untimed), K worker processes started and built (untimed), then told to go
/// at once. Each worker marks the time and its CPU when its first tenth of its share has run (its warm-up: the host's
/// start-up and the first JIT compilations); the cell is timed from the earliest mark to the last task's end and counts
/// the tasks run in that window, and the workers' CPU from their marks.
/// </summary>
internal static class Scale
{
    /// <summary>Tasks per cell at most (or <c>--messages</c> when smaller): the matrix's cells as before stop 42's longer (a) and (b) runs.</summary>
    private const int MaxTasksPerCell = 20_000;

    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(BenchOptions options, Broker broker)
    {
        var sides = options.Sides.Where(s => s is "taskflow" or "taskflow-state").ToList();
        if (sides.Count == 0)
        {
            sides.Add("taskflow");
        }

        // The bound is what the task's own wait allows: Task.Delay(n) sleeps longer than n ms (timer granularity; about
        // 8 ms for 5 ms on this kind of machine), so it is measured here rather than assumed.
        var delayMs = await MeasureDelayAsync(options.TaskMs).ConfigureAwait(false);
        Console.WriteLine(string.Create(Ci, $"[scale] Task.Delay({options.TaskMs}) takes {delayMs:F2} ms here (mean of 400): the bound per slot is {1000 / delayMs:F0} tasks/s"));
        var results = new List<(string Side, int Workers, int Concurrency, Cell Cell)>();
        foreach (var side in sides)
        {
            foreach (var workers in options.ScaleWorkers)
            {
                foreach (var concurrency in options.ScaleConcurrency)
                {
                    var busy = options.QuietCpuPercent < 100
                        ? await MachineLoad.WaitForQuietAsync(options.QuietCpuPercent, options.QuietWait).ConfigureAwait(false)
                        : 0;
                    var cell = await RunCellAsync(options, broker, side == "taskflow-state", workers, concurrency, delayMs).ConfigureAwait(false);
                    results.Add((side, workers, concurrency, cell));
                    Console.WriteLine(string.Create(Ci,
                        $"[scale] {side} {workers} worker(s) x {concurrency}: {cell.Tasks} tasks in {cell.Elapsed.TotalSeconds:F2} s = {cell.Rate:F0}/s (bound {cell.Bound:F0}/s); CPU us/task worker {cell.WorkerCpuUs:F1}, broker {cell.BrokerCpuUs:F1}, PostgreSQL {cell.DatabaseCpuUs:F1} (busy before {busy:F0}%)"));
                }
            }
        }

        Console.WriteLine();
        foreach (var side in sides)
        {
            var rows = results.Where(r => r.Side == side).ToList();
            var text = new StringBuilder();
            text.AppendLine(string.Create(Ci, $"{side}: tasks/s of a {options.TaskMs} ms Task.Delay task, and the share of the bound (slots x 1000 / {delayMs:F2} ms, the measured wait); CPU us per task: worker processes / broker / PostgreSQL"));
            text.AppendLine();
            text.Append("| workers |");
            foreach (var c in options.ScaleConcurrency)
            {
                text.Append(Ci, $" concurrency {c} |");
            }

            text.AppendLine();
            text.Append("|---:|").Append(string.Concat(Enumerable.Repeat("---:|", options.ScaleConcurrency.Count))).AppendLine();
            foreach (var workers in options.ScaleWorkers)
            {
                text.Append(Ci, $"| {workers} |");
                foreach (var c in options.ScaleConcurrency)
                {
                    var cell = rows.Single(r => r.Workers == workers && r.Concurrency == c).Cell;
                    text.Append(Ci, $" {cell.Rate:N0} ({cell.Rate / cell.Bound:P0} of {cell.Bound:N0}); {cell.WorkerCpuUs:F0} / {cell.BrokerCpuUs:F0} / {cell.DatabaseCpuUs:F0} |");
                }

                text.AppendLine();
            }

            Console.WriteLine(text.ToString());
        }

        return 0;
    }

    private static async Task<double> MeasureDelayAsync(int ms)
    {
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(ms).ConfigureAwait(false);
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 400; i++)
        {
            await Task.Delay(ms).ConfigureAwait(false);
        }

        return watch.Elapsed.TotalMilliseconds / 400;
    }

    private static async Task<Cell> RunCellAsync(BenchOptions options, Broker broker, bool withStore, int workers, int concurrency, double delayMs)
    {
        var bound = workers * concurrency * 1000.0 / delayMs;
        var tasks = (int)Math.Clamp(bound * options.ScaleSeconds, 500, Math.Min(options.Messages, MaxTasksPerCell));
        var queue = broker.NewQueue(withStore ? "scale-state" : "scale", 's', string.Create(Ci, $"{workers}x{concurrency}"));
        var state = withStore ? await TaskFlowScenario.StateSchema.CreateAsync(options.StateConnectionString).ConfigureAwait(false) : null;
        var processes = new List<WorkerProcess>();
        try
        {
            // Pre-fill (untimed).
            var services = new ServiceCollection();
            services.AddLogging();
            var flow = services.AddTaskFlow(o => o.DefaultQueue = queue).UseRabbitMq(o => Configure(o, broker, "taskflow-bench:scale")).AddTaskFlowBenchmarksTasks();
            state?.AddTo(flow);
            var provider = services.BuildServiceProvider();
            await using (provider.ConfigureAwait(false))
            {
                var client = provider.GetRequiredService<BenchTasks.Client>();
                var items = Enumerable.Repeat(options.TaskMs, tasks).ToArray();
                await client.Sleep.DelayManyAsync(items).ConfigureAwait(false);
            }

            var ready = await broker.MessageCountAsync(queue).ConfigureAwait(false);
            if (ready != tasks)
            {
                throw new InvalidOperationException($"scale: {ready} messages ready in {queue}, expected {tasks}");
            }

            for (var i = 0; i < workers; i++)
            {
                processes.Add(WorkerProcess.Start(options, broker, queue, concurrency, state, warmup: Math.Max(1, tasks / workers / 10)));
            }

            foreach (var process in processes)
            {
                await process.Ready.WaitAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
            }

            var brokerBefore = BrokerProcess.CpuTime();
            var databaseBefore = DatabaseProcess.CpuTime();
            foreach (var process in processes)
            {
                process.Go();
            }

            var deadline = Stopwatch.StartNew();
            while (processes.Sum(p => p.Count) < tasks)
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(5) || processes.Any(p => p.Exited))
                {
                    throw new InvalidOperationException($"scale: {processes.Sum(p => p.Count)} of {tasks} tasks ran in {deadline.Elapsed.TotalSeconds:F0} s ({string.Join("; ", processes.Select(p => p.Describe()))})");
                }

                await Task.Delay(10).ConfigureAwait(false);
            }

            var last = processes.Max(p => p.LastMs);
            var brokerCpu = BrokerProcess.CpuTime() - brokerBefore;
            var databaseCpu = DatabaseProcess.CpuTime() - databaseBefore;
            var workerCpu = TimeSpan.Zero;
            foreach (var process in processes)
            {
                workerCpu += await process.StopAsync().ConfigureAwait(false);
            }

            var total = processes.Sum(p => p.Count);
            if (total != tasks)
            {
                throw new InvalidOperationException($"scale: {total} runs for {tasks} tasks");
            }

            // The window: from the earliest warm-up mark to the last task's end; a worker that never reached its mark (it got
            // fewer tasks than its warm-up) counts all its runs and its CPU from "go".
            var marks = processes.Where(p => p.MarkMs > 0).ToList();
            if (marks.Count == 0)
            {
                throw new InvalidOperationException("scale: no worker reached its warm-up mark");
            }

            var timed = tasks - marks.Sum(p => p.Warmup);
            var elapsed = TimeSpan.FromMilliseconds(Math.Max(1, last - marks.Min(p => p.MarkMs)));
            return new Cell(timed, elapsed, timed / elapsed.TotalSeconds, bound,
                workerCpu.TotalMicroseconds / timed, brokerCpu.TotalMicroseconds / tasks, withStore ? databaseCpu.TotalMicroseconds / tasks : 0);
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Dispose();
            }

            if (state is not null)
            {
                await state.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static void Configure(RabbitMqOptions options, Broker broker, string name)
    {
        options.ConnectionUri = broker.Uri;
        options.ClientName = name;
        options.ExchangeName = broker.Exchange;
        options.DeadLetterExchangeName = broker.DeadLetterExchange;
        options.DelayExchangePrefix = broker.DelayPrefix;
        options.DeliveryLimit = Broker.DeliveryLimit;
        options.QueueType = QueueType.Quorum;
    }

    /// <summary>
    /// The worker process (<c>--scale-worker</c>; settings in TF_SCALE_* variables): builds and starts nothing until
    /// "go" on stdin, then runs the worker and reports <c>count N last T mark M</c> (T: the latest task end, M: when its
    /// warm-up runs had ended, Unix ms, 0: not yet) every 20 ms while it changes; on "stop" prints <c>cpu MS</c>, its CPU
    /// time since the mark (since "go" if it never reached it), and exits.
    /// </summary>
    public static async Task<int> WorkerMainAsync()
    {
        string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException(name + " is not set");
        var queue = Env("TF_SCALE_QUEUE");
        var concurrency = int.Parse(Env("TF_SCALE_CONCURRENCY"), Ci);
        BenchTasks.SleepWarmup = int.Parse(Env("TF_SCALE_WARMUP"), Ci);
        var pg = Environment.GetEnvironmentVariable("TF_SCALE_PG");
        var schema = Environment.GetEnvironmentVariable("TF_SCALE_SCHEMA");
        var broker = new Broker(new Uri(Env("TF_SCALE_URI")), Env("TF_SCALE_RUN"));

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        var flow = builder.Services.AddTaskFlow(o => o.DefaultQueue = queue).UseRabbitMq(o => Configure(o, broker, "taskflow-bench:scale-worker")).AddTaskFlowBenchmarksTasks();
        NpgsqlDataSource? dataSource = null;
        if (!string.IsNullOrEmpty(pg) && !string.IsNullOrEmpty(schema))
        {
            dataSource = NpgsqlDataSource.Create(pg);
            flow.AddStateStore(o =>
            {
                o.UsePostgreSql(dataSource);
                o.Schema = schema;
                o.RunOutboxRelay = false;
            });
        }

        flow.AddWorker(w =>
        {
            w.AddQueue(queue, concurrency: concurrency);
            w.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
        });
        using var host = builder.Build();
        Console.WriteLine("ready");
        if (Console.ReadLine() != "go")
        {
            return 1;
        }

        var cpuAtGo = Environment.CpuUsage.TotalTime;
        await host.StartAsync().ConfigureAwait(false);
        using var stop = new CancellationTokenSource();
        var reporter = Task.Run(async () =>
        {
            var reported = -1;
            while (true)
            {
                var count = BenchTasks.SleepCount;
                if (count != reported)
                {
                    reported = count;
                    Console.WriteLine(string.Create(Ci, $"count {count} last {BenchTasks.SleepLastMs} mark {BenchTasks.SleepMarkMs}"));
                }

                if (stop.IsCancellationRequested)
                {
                    return;
                }

                await Task.Delay(20).ConfigureAwait(false);
            }
        });
        var command = await Task.Run(Console.ReadLine).ConfigureAwait(false);
        var cpu = Environment.CpuUsage.TotalTime - (BenchTasks.SleepMarkMs > 0 ? BenchTasks.SleepMarkCpu : cpuAtGo);
        await stop.CancelAsync().ConfigureAwait(false);
        await reporter.ConfigureAwait(false);
        Console.WriteLine(string.Create(Ci, $"cpu {cpu.TotalMilliseconds:F1}"));
        await host.StopAsync().ConfigureAwait(false);
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }

        return command == "stop" ? 0 : 1;
    }

    private sealed record Cell(int Tasks, TimeSpan Elapsed, double Rate, double Bound, double WorkerCpuUs, double BrokerCpuUs, double DatabaseCpuUs);

    /// <summary>One worker process of a cell, and what it reports.</summary>
    private sealed class WorkerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<TimeSpan> _cpu = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder _errors = new();
        private int _count;
        private long _lastMs;
        private long _markMs;

        private WorkerProcess(Process process, int warmup)
        {
            _process = process;
            Warmup = warmup;
        }

        /// <summary>Runs after which this worker marks its window's start.</summary>
        public int Warmup { get; }

        public Task Ready => _ready.Task;

        public int Count => Volatile.Read(ref _count);

        public long LastMs => Interlocked.Read(ref _lastMs);

        /// <summary>When this worker's warm-up runs had ended, Unix ms (0: not yet).</summary>
        public long MarkMs => Interlocked.Read(ref _markMs);

        public bool Exited => _process.HasExited;

        public static WorkerProcess Start(BenchOptions options, Broker broker, string queue, int concurrency, TaskFlowScenario.StateSchema? state, int warmup)
        {
            // This harness again, as a worker: the apphost when run as one, else `dotnet <dll>`.
            var path = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
            var info = Path.GetFileNameWithoutExtension(path) == "dotnet"
                ? new ProcessStartInfo(path) { ArgumentList = { typeof(Scale).Assembly.Location, "--scale-worker" } }
                : new ProcessStartInfo(path) { ArgumentList = { "--scale-worker" } };
            info.RedirectStandardInput = true;
            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            info.UseShellExecute = false;
            info.Environment["TF_SCALE_QUEUE"] = queue;
            info.Environment["TF_SCALE_CONCURRENCY"] = concurrency.ToString(Ci);
            info.Environment["TF_SCALE_WARMUP"] = warmup.ToString(Ci);
            info.Environment["TF_SCALE_URI"] = broker.Uri.ToString();
            info.Environment["TF_SCALE_RUN"] = broker.RunId;
            if (state is not null)
            {
                info.Environment["TF_SCALE_PG"] = options.StateConnectionString;
                info.Environment["TF_SCALE_SCHEMA"] = state.Schema;
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("scale: the worker process did not start");
            var worker = new WorkerProcess(process, warmup);
            process.OutputDataReceived += (_, e) => worker.OnLine(e.Data);
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lock (worker._errors)
                    {
                        worker._errors.AppendLine(line);
                    }
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return worker;
        }

        public void Go() => _process.StandardInput.WriteLine("go");

        public async Task<TimeSpan> StopAsync()
        {
            await _process.StandardInput.WriteLineAsync("stop").ConfigureAwait(false);
            var cpu = await _cpu.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            return cpu;
        }

        public string Describe()
        {
            lock (_errors)
            {
                return string.Create(Ci, $"pid {_process.Id}: {Count} runs{(Exited ? $", exited {_process.ExitCode}" : string.Empty)}{(_errors.Length > 0 ? ", stderr: " + _errors.ToString().Trim() : string.Empty)}");
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                _ready.TrySetException(new InvalidOperationException("scale: the worker process ended: " + Describe()));
                _cpu.TrySetException(new InvalidOperationException("scale: the worker process ended: " + Describe()));
                return;
            }

            var parts = line.Split(' ');
            switch (parts[0])
            {
                case "ready":
                    _ready.TrySetResult();
                    break;
                case "count" when parts.Length == 6:
                    Interlocked.Exchange(ref _lastMs, long.Parse(parts[3], Ci));
                    Interlocked.Exchange(ref _markMs, long.Parse(parts[5], Ci));
                    Volatile.Write(ref _count, int.Parse(parts[1], Ci));
                    break;
                case "cpu" when parts.Length == 2:
                    _cpu.TrySetResult(TimeSpan.FromMilliseconds(double.Parse(parts[1], Ci)));
                    break;
            }
        }
    }
}
