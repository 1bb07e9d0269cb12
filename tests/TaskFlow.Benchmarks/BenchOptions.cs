using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace TaskFlow.Benchmarks;

/// <summary>Command line: --messages N, --runs R, --phase a|b|c|d|all, and a few knobs with defaults that match the brief.</summary>
internal sealed class BenchOptions
{
    /// <summary>
    /// Messages per run of phases (a) and (b). 100,000 since stop 42: at 20,000 a run of (b) without the store lasted
    /// 0.3-0.8 s, and TaskFlow's CPU per message in three runs of one build spread over 9-33 us, more than the store's
    /// difference it is compared with.
    /// </summary>
    public int Messages { get; private set; } = 100_000;

    /// <summary>
    /// Messages per run of phase (d), as (a)'s: at 20,000 a run of (d) lasted 0.6-1.3 s, and the broker's CPU per message
    /// in such runs spread over 38-84 us (stop 40's full run), more than any difference between the sides.
    /// </summary>
    public int BulkMessages { get; private set; } = 100_000;

    public int Runs { get; private set; } = 3;

    public string Phase { get; private set; } = "all";

    /// <summary>Concurrent publishers (TaskFlow: concurrent DelayAsync callers; raw: publishes in flight on one channel).</summary>
    public int Window { get; private set; } = 256;

    /// <summary>Prefetch of both consumers.</summary>
    public int Prefetch { get; private set; } = 100;

    /// <summary>Handler concurrency of both consumers (TaskFlow AddQueue concurrency; raw consumerDispatchConcurrency).</summary>
    public int Concurrency { get; private set; } = Environment.ProcessorCount;

    /// <summary>Timed sequential round trips of phase (c).</summary>
    public int LatencyMessages { get; private set; } = 2_000;

    /// <summary>Messages of the untimed warm-up pass of each side and phase.</summary>
    public int WarmupMessages { get; private set; } = 5_000;

    /// <summary>Warm-up passes per side and phase take at least this long, then go on until the JIT is quiet.</summary>
    public double WarmupSeconds { get; private set; } = 8;

    /// <summary>Print every warm-up pass (its time and JIT), not only the last.</summary>
    public bool Verbose { get; private set; }

    public Uri Uri { get; private set; } = new("amqp://guest:guest@127.0.0.1:5672/");

    /// <summary>
    /// The task's text argument: the same run of <c>x</c> in every task (<c>same</c>, the default: every side sends the same
    /// bytes), or a different text per task of the same length (<c>varied</c>: ids, an address and words, as real
    /// arguments are; what the store's trigram index of the arguments costs depends on it).
    /// </summary>
    public bool VariedArguments { get; private set; }

    /// <summary>
    /// Which sides to run, in table order: raw, raw-state (the raw consumer with the store's guarantees kept by hand: the
    /// store's floor), celery-wire (diagnostic), taskflow, taskflow-state (TaskFlow with the PostgreSQL state store).
    /// </summary>
    public IReadOnlyList<string> Sides { get; private set; } = new[] { "raw", "taskflow" };

    public bool RunsPhase(char phase) => Phase == "all" || Phase.Contains(phase, StringComparison.Ordinal);

    /// <summary>Before each timed run, wait until other processes use less than this much CPU (percent of all cores; 100 = don't wait).</summary>
    public double QuietCpuPercent { get; private set; } = 15;

    /// <summary>How long to wait for a quiet machine before running anyway.</summary>
    public TimeSpan QuietWait { get; private set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// PostgreSQL for the taskflow-state side (each run gets its own schema, dropped afterwards). The default is the
    /// database scripts/postgres.sh creates, without TLS on loopback (as the broker connection: plain AMQP).
    /// </summary>
    public string StateConnectionString { get; private set; } =
        Environment.GetEnvironmentVariable("TASKFLOW_STATE_PG") ?? "Host=127.0.0.1;Port=5432;Username=taskflow;Password=taskflow;Database=taskflow;SSL Mode=Disable";

    /// <summary>
    /// The raw side acks with <c>multiple</c> set once every N messages instead of each one (1, the default: each).
    /// What coalescing acks is worth to the broker, without TaskFlow in the way.
    /// </summary>
    public int RawAckEvery { get; private set; } = 1;

    /// <summary>The scale mode (<c>--scale</c>): worker processes x concurrency with an I/O-bound task instead of phases a-d.</summary>
    public bool Scale { get; private set; }

    /// <summary>
    /// The in-process mode (<c>--in-process</c>): TaskFlow's own CPU and bytes per task with no broker (eager mode: the
    /// generated proxy's send, the message's encode and decode, the run and its settlement, on one thread).
    /// </summary>
    public bool InProcess { get; private set; }

    public IReadOnlyList<int> ScaleWorkers { get; private set; } = new[] { 1, 2, 4 };

    public IReadOnlyList<int> ScaleConcurrency { get; private set; } = new[] { 1, 2, 8, 32 };

    /// <summary>How long the scale mode's task waits (<c>Task.Delay</c>), milliseconds.</summary>
    public int TaskMs { get; private set; } = 5;

    /// <summary>The scale mode sends about this many seconds of work at each cell's bound (at least 500 tasks, at most --messages).</summary>
    public int ScaleSeconds { get; private set; } = 5;

    private static readonly string[] AllSides = { "raw", "raw-state", "celery-wire", "taskflow", "taskflow-state" };

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int NextInt() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture) is var v && v > 0 ? v : throw new ArgumentException($"{name} must be positive");
            switch (name)
            {
                case "--messages" or "-n":
                    options.Messages = NextInt();
                    break;
                case "--runs" or "-r":
                    options.Runs = NextInt();
                    break;
                case "--phase" or "--phases" or "-p":
                    options.Phase = Next().ToLowerInvariant();
                    if (options.Phase != "all" && options.Phase.Trim('a', 'b', 'c', 'd').Length != 0)
                    {
                        throw new ArgumentException("--phase takes a, b, c, d, a combination such as ad, or all");
                    }

                    break;
                case "--window":
                    options.Window = NextInt();
                    break;
                case "--prefetch":
                    options.Prefetch = NextInt();
                    break;
                case "--concurrency":
                    options.Concurrency = NextInt();
                    break;
                case "--arguments":
                    options.VariedArguments = Next() switch
                    {
                        "same" => false,
                        "varied" => true,
                        var other => throw new ArgumentException($"--arguments takes same or varied, not '{other}'"),
                    };
                    break;
                case "--bulk-messages":
                    options.BulkMessages = NextInt();
                    break;
                case "--latency-messages":
                    options.LatencyMessages = NextInt();
                    break;
                case "--warmup":
                    options.WarmupMessages = NextInt();
                    break;
                case "--warmup-seconds":
                    options.WarmupSeconds = NextInt();
                    break;
                case "--verbose":
                    options.Verbose = true;
                    break;
                case "--quiet-cpu":
                    options.QuietCpuPercent = NextInt();
                    break;
                case "--quiet-wait":
                    options.QuietWait = TimeSpan.FromSeconds(NextInt());
                    break;
                case "--uri":
                    options.Uri = new Uri(Next());
                    break;
                case "--raw-ack-every":
                    options.RawAckEvery = NextInt();
                    break;
                case "--state-pg":
                    options.StateConnectionString = Next();
                    break;
                case "--sides":
                    var sides = Next().ToLowerInvariant() switch
                    {
                        "both" => "raw,taskflow",
                        "all" => "raw,raw-state,celery-wire,taskflow,taskflow-state",
                        "state" => "raw,taskflow,taskflow-state",
                        var list => list,
                    };
                    options.Sides = AllSides.Where(side => sides.Split(',').Contains(side)).ToArray();
                    if (options.Sides.Count == 0 || sides.Split(',').Any(side => !AllSides.Contains(side)))
                    {
                        throw new ArgumentException("--sides takes a comma-separated list of raw, raw-state, celery-wire, taskflow, taskflow-state (or both, state, all)");
                    }

                    break;
                case "--scale":
                    options.Scale = true;
                    break;
                case "--in-process":
                    options.InProcess = true;
                    break;
                case "--scale-workers":
                    options.ScaleWorkers = IntList(name, Next());
                    break;
                case "--scale-concurrency":
                    options.ScaleConcurrency = IntList(name, Next());
                    break;
                case "--task-ms":
                    options.TaskMs = NextInt();
                    break;
                case "--scale-seconds":
                    options.ScaleSeconds = NextInt();
                    break;
                case "--help" or "-h":
                    throw new ArgumentException(string.Empty);
                default:
                    throw new ArgumentException($"unknown option {name}");
            }
        }

        return options;
    }

    private static int[] IntList(string name, string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} takes a comma-separated list of positive numbers, not '{value}'"))
            .ToArray();

    public const string Usage = """
        TaskFlow load harness: TaskFlow vs. a raw RabbitMQ.Client 7 baseline, same broker, same guarantees.
        usage: dotnet run -c Release --project tests/TaskFlow.Benchmarks -- [options]
          --messages N          messages per run of phases a and b (default 100000: shorter runs last under a second,
                                and the CPU per message spreads beyond the sides' differences)
          --bulk-messages N     tasks of the one batch per run of phase d (default 100000, for the same reason)
          --runs R              timed runs per phase and side; the median is reported (default 3)
          --phase(s) a|b|c|d|all  a = enqueue with confirms, b = consume no-op tasks, c = latency, d = bulk enqueue:
                                one DelayManyAsync call vs raw windowed publishing of the same N (default all)
          --latency-messages M  sequential round trips timed in phase c (default 2000)
          --window W            publishes in flight / concurrent DelayAsync callers; phase d: the raw side's window
                                (TaskFlow's is its publisher's, PublishChannels x MaxUnconfirmedPublishesPerChannel) (default 256)
          --prefetch P          consumer prefetch (default 100)
          --concurrency C       consumer handler concurrency, both sides (default: processor count)
          --arguments same|varied  the task's text argument: the same run of x in every task (default), or a different
                                text of the same length per task (ids, an address, words: what the store's trigram
                                index of the arguments costs depends on it); TaskFlow's sides and raw-state's rows
          --warmup W            messages of each untimed warm-up pass per side and phase (default 5000)
          --warmup-seconds S    warm-up passes take at least S seconds (default 8), then go on until 3 passes in a row spent
                                < 5% of their time in the JIT (at most 90 s): the runtime's optimizing recompilation of
                                hot methods has to be over before the timed runs
          --verbose             print every warm-up pass, not only the last
          --sides LIST          comma-separated raw, raw-state, celery-wire, taskflow, taskflow-state; both = raw,taskflow
                                (default); state = raw,taskflow,taskflow-state (TaskFlow with the PostgreSQL state store,
                                defaults: started + final state recorded, idempotency read, ack after the state commit);
                                all adds celery-wire (the raw code sending TaskFlow's exact message, diagnostic) and
                                raw-state: the raw consumer keeping the store's guarantees by hand, batched (one read,
                                one upsert of the store's own statements, one ack per batch): the store's floor in (b)
                                and (c); in (a) and (d) it sends as raw does (the store writes nothing on send)
          --quiet-cpu PCT       before each timed run wait until other processes use < PCT% CPU (default 15; 100 = off)
          --quiet-wait S        ... but at most S seconds, then run anyway and say so (default 120)
          --uri URI             broker (default amqp://guest:guest@127.0.0.1:5672/)
          --raw-ack-every N     raw sides: one ack with multiple set per N messages (default 1: an ack each)
          --scale               instead of phases a-d: throughput of an I/O-bound task with K worker processes x C slots
                                (TaskFlow's default prefetch), CPU per task of workers, broker and PostgreSQL; sides
                                taskflow and/or taskflow-state from --sides
          --in-process          instead of phases a-d: TaskFlow's own CPU and bytes per task without a broker (eager
                                mode on one thread: send, encode, decode, run, settle), 500,000 tasks per run, --runs runs;
                                within a few percent in one invocation (the level drifts with the machine: compare
                                builds alternated), for changes too small for the phases' spread
          --scale-workers LIST  worker processes per cell (default 1,2,4)
          --scale-concurrency LIST  slots per worker (default 1,2,8,32)
          --task-ms MS          the scale task's Task.Delay (default 5)
          --scale-seconds S     tasks per cell: about S seconds at the cell's bound, 500 to --messages (default 5)
          --state-pg CS         PostgreSQL for taskflow-state (default $TASKFLOW_STATE_PG or the one scripts/postgres.sh
                                creates, SSL Mode=Disable on loopback like the plain AMQP connection)
        """;
}
