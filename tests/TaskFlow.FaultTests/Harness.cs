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
using Microsoft.Extensions.Logging;
using Npgsql;
using RabbitMQ.Client;
using TaskFlow.TestSupport;
using TaskFlow.FaultWorker;
using TaskFlow.RabbitMq;
using TaskFlow.State;
using Xunit.Abstractions;

namespace TaskFlow.FaultTests;

/// <summary>The shared local RabbitMQ node (rabbit@localhost): started by scripts/rabbitmq.sh, stopped with rabbitmqctl.</summary>
internal static class BrokerControl
{
    public const string Node = "rabbit@localhost";

    /// <summary>Starts the node if it is not running (idempotent; a no-op when it runs).</summary>
    public static Task EnsureRunningAsync() =>
        RunAsync("bash", new[] { Path.Combine(TestEnvironment.RepositoryRoot, "scripts", "rabbitmq.sh") }, TimeSpan.FromMinutes(3));

    /// <summary>Stops the node (all connections drop) and starts it again. Returns (stop took, whole outage).</summary>
    public static async Task<(TimeSpan Stop, TimeSpan Outage)> RestartAsync()
    {
        var watch = Stopwatch.StartNew();
        await RabbitCtlAsync(TimeSpan.FromMinutes(2), "stop");
        var stop = watch.Elapsed;
        await EnsureRunningAsync();
        return (stop, watch.Elapsed);
    }

    public static async Task<IConnection> ConnectAsync(string name)
    {
        var factory = new ConnectionFactory { Uri = TestEnvironment.BrokerUri, ClientProvidedName = name, AutomaticRecoveryEnabled = false };
        Exception? last = null;
        for (var attempt = 0; attempt < 30; attempt++)
        {
            try
            {
                return await factory.CreateConnectionAsync();
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
            {
                last = ex;
                await Task.Delay(1000);
            }
        }

        throw new InvalidOperationException($"RabbitMQ is not reachable at {TestEnvironment.BrokerUri}; scripts/rabbitmq.sh starts it.", last);
    }

    /// <summary>Ready messages in a queue (queue.declare-ok's message count; unacked ones are not counted).</summary>
    public static async Task<(uint Messages, uint Consumers)> CountAsync(string queue)
    {
        await using var connection = await ConnectAsync("taskflow-fault-tests:probe");
        await using var channel = await connection.CreateChannelAsync();
        var ok = await channel.QueueDeclarePassiveAsync(queue);
        return (ok.MessageCount, ok.ConsumerCount);
    }

    /// <summary><c>rabbitmqctl -n rabbit@localhost</c> with <paramref name="arguments"/>, within 30 s; its output.</summary>
    public static Task<string> RabbitCtlAsync(params string[] arguments) => RabbitCtlAsync(TimeSpan.FromSeconds(30), arguments);

    /// <summary><c>rabbitmqctl -n rabbit@localhost</c> with <paramref name="arguments"/>, within <paramref name="timeout"/>; its output.</summary>
    public static Task<string> RabbitCtlAsync(TimeSpan timeout, params string[] arguments) =>
        RunAsync("rabbitmqctl", new[] { "-n", Node }.Concat(arguments), timeout);

    /// <summary>Runs a command to its end; fails unless it exits with 0 within <paramref name="timeout"/> (then its process tree is killed).</summary>
    public static async Task<string> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return (await ChildProcess.RunAsync(start, timeout)).EnsureSuccess().Output;
    }
}

/// <summary>One scenario's isolated set-up: unique queue and exchanges, an out file, worker processes and a publisher.
/// Dispose kills the workers, makes sure the broker runs and deletes what the scenario declared (never the shared delay levels).</summary>
internal sealed class FaultRun : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly List<WorkerProcess> _workers = new();
    private readonly List<IHost> _publishers = new();
    private readonly object _logSync = new();

    private FaultRun(string scenario, ITestOutputHelper output)
    {
        _output = output;
        var id = Guid.NewGuid().ToString("N")[..10];
        Queue = $"tf-fault-{scenario}-{id}";
        Directory = Path.Combine(Path.GetTempPath(), "taskflow-fault-tests", Queue);
        System.IO.Directory.CreateDirectory(Directory);
        OutPath = Path.Combine(Directory, "out.txt");
        File.WriteAllText(OutPath, string.Empty);
    }

    public string Queue { get; }

    public string DeadLetterQueue => Queue + ".dead";

    public string Exchange => Queue + ".x";

    public string DeadLetterExchange => Queue + ".dlx";

    public string Directory { get; }

    public string OutPath { get; }

    /// <summary>The quorum queue's x-delivery-limit; worker and publisher must agree (the queue is declared by both).</summary>
    public int DeliveryLimit { get; init; } = 20;

    public int WorkersStarted { get; private set; }

    private bool _passed;
    private string? _schema;

    /// <summary>Called after the scenario's last assertion: its out file and worker log are then deleted; a failed scenario keeps them.</summary>
    public void Passed() => _passed = true;

    public static async Task<FaultRun> StartAsync(string scenario, ITestOutputHelper output, int deliveryLimit = 20)
    {
        await BrokerControl.EnsureRunningAsync();
        var run = new FaultRun(scenario, output) { DeliveryLimit = deliveryLimit };
        run.Log($"[{scenario}] queue {run.Queue}; out file and worker logs in {run.Directory} (deleted if the scenario passes)");
        return run;
    }

    /// <summary>Writes a line to the test output and to the console, so that counts show in any logger.</summary>
    public void Log(string line)
    {
        lock (_logSync)
        {
            try
            {
                _output.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // After the test ended (e.g. from a background callback): the console copy is enough.
            }

            Console.WriteLine(line);
        }
    }

    public void Configure(RabbitMqOptions o)
    {
        o.ConnectionUri = TestEnvironment.BrokerUri;
        o.ExchangeName = Exchange;
        o.DeadLetterExchangeName = DeadLetterExchange;
        o.DeliveryLimit = DeliveryLimit;
    }

    /// <summary>Starts a worker process (dotnet TaskFlow.FaultWorker.dll ...) consuming this scenario's queue.</summary>
    public WorkerProcess StartWorker(int concurrency, int prefetch, bool verbose = false, IEnumerable<string>? extra = null)
    {
        WorkersStarted++;
        var worker = WorkerProcess.Start(
            new[]
            {
                "--queue", Queue,
                "--exchange", Exchange,
                "--dlx", DeadLetterExchange,
                "--out", OutPath,
                "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture),
                "--prefetch", prefetch.ToString(CultureInfo.InvariantCulture),
                "--delivery-limit", DeliveryLimit.ToString(CultureInfo.InvariantCulture),
                "--amqp", TestEnvironment.BrokerUri.ToString(),
                "--verbose", verbose ? "true" : "false",
                "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            }.Concat(extra ?? []),
            Path.Combine(Directory, "worker.log"),
            WorkersStarted);
        lock (_workers)
        {
            _workers.Add(worker);
        }

        return worker;
    }

    /// <summary>An in-test TaskFlow client (no worker) with this scenario's names.</summary>
    public async Task<FaultTasks.Client> StartPublisherAsync(Action<RabbitMqOptions>? configure = null) =>
        (await StartPublisherHostAsync(configure, null)).Services.GetRequiredService<FaultTasks.Client>();

    /// <summary>
    /// The PostgreSQL state store for this scenario: a schema of its own (applied here, dropped at the end) with an
    /// <c>effects</c> table, an in-test client whose handles read states and cancel, and the worker arguments that use it.
    /// </summary>
    public async Task<StateRun> StartStateAsync(int leaseMs, int reapMs, int revokePollMs = 1000)
    {
        var schema = "tf_fault_" + Guid.NewGuid().ToString("N")[..10];
        _schema = schema;
        var host = await StartPublisherHostAsync(null, o =>
        {
            o.UsePostgreSql(() => new NpgsqlConnection(TestEnvironment.PostgresConnectionString));
            o.Schema = schema;
            o.CleanupInterval = TimeSpan.Zero;
        });
        var store = host.Services.GetRequiredService<TaskStateStore>();
        await store.ApplySchemaAsync();
        await using (var connection = new NpgsqlConnection(TestEnvironment.PostgresConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"CREATE TABLE {schema}.effects (n integer NOT NULL, task_id varchar(255) NOT NULL, pid integer NOT NULL)";
            await command.ExecuteNonQueryAsync();
        }

        string[] arguments =
        [
            "--state-pg", TestEnvironment.PostgresConnectionString,
            "--state-schema", schema,
            "--lease-ms", leaseMs.ToString(CultureInfo.InvariantCulture),
            "--reap-ms", reapMs.ToString(CultureInfo.InvariantCulture),
            "--revoke-poll-ms", revokePollMs.ToString(CultureInfo.InvariantCulture),
        ];
        return new StateRun(schema, host.Services.GetRequiredService<FaultTasks.Client>(), store, arguments);
    }

    private async Task<IHost> StartPublisherHostAsync(Action<RabbitMqOptions>? configure, Action<TaskStateOptions>? state)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        var taskflow = builder.Services.AddTaskFlow(o => o.DefaultQueue = Queue)
            .UseRabbitMq(o =>
            {
                Configure(o);
                o.ClientName = "taskflow-fault-tests:publisher";
                configure?.Invoke(o);
            })
            .AddTaskFlowFaultWorkerTasks();
        if (state is not null)
        {
            taskflow.AddStateStore(state);
        }

        var host = builder.Build();
        await host.StartAsync();
        _publishers.Add(host);
        return host;
    }

    public OutFileSnapshot ReadOut() => OutFileSnapshot.Read(OutPath);

    public async ValueTask DisposeAsync()
    {
        List<WorkerProcess> workers;
        lock (_workers)
        {
            workers = _workers.ToList();
        }

        foreach (var worker in workers)
        {
            await worker.DisposeAsync();
        }

        // Always leave the broker running, even when the scenario failed half-way through a restart.
        await BrokerControl.EnsureRunningAsync();
        foreach (var host in _publishers)
        {
            try
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await host.StopAsync(stop.Token);
            }
            finally
            {
                host.Dispose();
            }
        }

        // Delete only what this scenario declared (the shared delay levels stay). A failure here is logged, not thrown,
        // so that it cannot hide the scenario's own result.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await BrokerControl.ConnectAsync("taskflow-fault-tests:cleanup");
                await using var channel = await connection.CreateChannelAsync();
                await channel.QueueDeleteAsync(Queue);
                await channel.QueueDeleteAsync(DeadLetterQueue);
                await channel.ExchangeDeleteAsync(Exchange);
                await channel.ExchangeDeleteAsync(DeadLetterExchange);
                break;
            }
            catch (Exception ex) when (attempt < 5 && ex is not OutOfMemoryException)
            {
                Log($"cleanup attempt {attempt} failed ({ex.GetType().Name}: {ex.Message}); retrying");
                await Task.Delay(2000);
            }
        }

        if (_schema is { } schema)
        {
            try
            {
                await using var connection = new NpgsqlConnection(TestEnvironment.PostgresConnectionString);
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = $"DROP SCHEMA IF EXISTS {schema} CASCADE";
                await command.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException ex)
            {
                Log($"dropping schema {schema} failed: {ex.Message}");
            }
        }

        if (_passed)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A worker's output handler may still hold the log for a moment: leaving it is harmless.
            }
        }
        else
        {
            Log($"kept {Directory} (out file and worker logs) for inspection");
        }
    }
}

/// <summary>A TaskFlow.FaultWorker process; its output goes to a log file shared by all of a scenario's worker processes.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private static readonly object LogSync = new();
    private readonly string _logPath;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(DateTime At, bool Consuming)> _status = new();
    private ChildProcess? _process;

    private WorkerProcess(string logPath, int number)
    {
        _logPath = logPath;
        Number = number;
    }

    public int Number { get; }

    public int Pid => Child.Id;

    public bool HasExited => Child.HasExited;

    public int ExitCode => Child.ExitCode;

    /// <summary>Changes of the worker's TaskFlowWorkerStatus.AllConsuming, as the process printed them.</summary>
    public IReadOnlyList<(DateTime At, bool Consuming)> StatusChanges
    {
        get
        {
            lock (_status)
            {
                return _status.ToList();
            }
        }
    }

    /// <summary>How long the health signal said "not consuming", summed over the process's life.</summary>
    public TimeSpan NotConsumingFor
    {
        get
        {
            var total = TimeSpan.Zero;
            DateTime? since = null;
            foreach (var (at, consuming) in StatusChanges)
            {
                if (!consuming)
                {
                    since ??= at;
                }
                else if (since is { } start)
                {
                    total += at - start;
                    since = null;
                }
            }

            return since is { } open ? total + (DateTime.UtcNow - open) : total;
        }
    }

    /// <summary>The worker is consuming (its TaskFlowWorker.Started completed).</summary>
    public Task Ready => _ready.Task;

    private ChildProcess Child => _process ?? throw new InvalidOperationException("not started");

    public static WorkerProcess Start(IEnumerable<string> arguments, string logPath, int number)
    {
        var worker = new WorkerProcess(logPath, number);
        worker._process = ChildProcess.Start(
            Dotnet.StartInfo(arguments.Prepend(Dotnet.AppNextToTests("TaskFlow.FaultWorker.dll"))),
            $"fault worker #{number}",
            line => worker.OnLine(line.Text));
        worker.Append($"--- worker #{number} started, pid {worker._process.Id}");
        return worker;
    }

    /// <summary>SIGKILL (what <c>kill -9</c> sends): no shutdown code runs, unacked messages go back to the queue.</summary>
    public void KillNine()
    {
        Child.Kill(entireProcessTree: false);
        Append($"--- worker #{Number} (pid {Child.Id}) killed with SIGKILL by the test");
    }

    /// <summary>Kills the process tree if it still runs.</summary>
    public ValueTask DisposeAsync() => Child.DisposeAsync();

    private void OnLine(string line)
    {
        if (line.StartsWith("fault-worker ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
        else if (line.StartsWith("fault-worker status consuming=", StringComparison.Ordinal))
        {
            lock (_status)
            {
                _status.Add((DateTime.UtcNow, bool.Parse(line["fault-worker status consuming=".Length..])));
            }
        }

        Append($"#{Number} {line}");
    }

    private void Append(string line)
    {
        lock (LogSync)
        {
            try
            {
                File.AppendAllText(_logPath, DateTime.UtcNow.ToString("HH:mm:ss.fff ", CultureInfo.InvariantCulture) + line + Environment.NewLine);
            }
            catch (IOException)
            {
                // Output arriving after the scenario deleted its directory: nothing to keep it for.
            }
        }
    }
}

/// <summary>What the worker processes wrote: one line per finished task (duplicates possible).</summary>
internal sealed class OutFileSnapshot
{
    private OutFileSnapshot(List<string> lines)
    {
        Lines = lines;
    }

    public IReadOnlyList<string> Lines { get; }

    public static OutFileSnapshot Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();
        var end = text.LastIndexOf('\n');

        // A line without its newline is being written right now: leave it for the next read.
        var complete = end < 0 ? string.Empty : text[..end];
        return new OutFileSnapshot(complete.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList());
    }

    /// <summary>fault.work lines: n to how many times it completed.</summary>
    public Dictionary<int, int> WorkCounts()
    {
        var counts = new Dictionary<int, int>();
        foreach (var line in Lines)
        {
            if (int.TryParse(line, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            {
                counts[n] = counts.GetValueOrDefault(n) + 1;
            }
        }

        return counts;
    }

    /// <summary>fault.stamp lines: (n, due, actual) in Unix ms.</summary>
    public List<(int N, long Due, long Actual)> Stamps()
    {
        var stamps = new List<(int, long, long)>();
        foreach (var line in Lines)
        {
            var parts = line.Split(' ');
            if (parts.Length == 3
                && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var due)
                && long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var actual))
            {
                stamps.Add((n, due, actual));
            }
        }

        return stamps;
    }

    public int CrashLines => Lines.Count(line => line.StartsWith("crash ", StringComparison.Ordinal));
}

/// <summary>A scenario's state store: its schema, a client whose handles read states, the store, and the worker arguments that use it.</summary>
internal sealed record StateRun(string Schema, FaultTasks.Client Client, TaskStateStore Store, IReadOnlyList<string> WorkerArguments)
{
    /// <summary>The effect rows (one per completed long task, written in the task's transaction): n -> how many.</summary>
    public async Task<Dictionary<int, int>> EffectsAsync()
    {
        var result = new Dictionary<int, int>();
        await using var connection = new NpgsqlConnection(TestEnvironment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT n, COUNT(*) FROM {Schema}.effects GROUP BY n";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[reader.GetInt32(0)] = (int)reader.GetInt64(1);
        }

        return result;
    }
}

/// <summary>Polling for a condition in the scenarios.</summary>
internal static class Poll
{
    /// <summary>Checks <paramref name="condition"/> every 100 ms until it holds; a <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout} waiting until {what}");
            }

            await Task.Delay(100);
        }
    }
}
