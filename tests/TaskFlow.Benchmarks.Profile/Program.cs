using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Usage:
//   TaskFlow.Benchmarks.Profile TRACE.nettrace [EXCLUDE]          allocations (a gc-verbose trace): by type, by frame, by stack
//   TaskFlow.Benchmarks.Profile --cpu TRACE.speedscope.json [EXCLUDE]   CPU (a dotnet-sampled-thread-time trace): self and inclusive
//   TaskFlow.Benchmarks.Profile --events TRACE.nettrace NAME [EXCLUDE]  events: counted by name, those named NAME by stack
//     (e.g. the thread pool's enqueues, to see where the hops from thread to thread come from)
// EXCLUDE: samples whose stack has a frame containing it are left out (e.g. EnqueueManyAsync, the harness's pre-fill).
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: TaskFlow.Benchmarks.Profile TRACE.nettrace [EXCLUDE] | --cpu TRACE.speedscope.json [EXCLUDE] | --events TRACE.nettrace NAME [EXCLUDE]");
    return args.Length == 0 ? 2 : 0;
}

var cpu = args[0] == "--cpu";
var events = args[0] == "--events";
var rest = cpu || events ? args.Skip(1).ToArray() : args;
if (rest.Length == 0 || !File.Exists(rest[0]))
{
    Console.Error.WriteLine($"no trace file: {(rest.Length == 0 ? "(none given)" : rest[0])}");
    return 2;
}

if (events)
{
    if (rest.Length < 2)
    {
        Console.Error.WriteLine("--events needs the trace and an event name");
        return 2;
    }

    return Profiles.Events(rest[0], rest[1], rest.Length > 2 ? rest[2] : null);
}

var exclude = rest.Length > 1 ? rest[1] : null;
return cpu ? Profiles.Cpu(rest[0], exclude) : Profiles.Allocations(rest[0], exclude);

/// <summary>The two summaries.</summary>
internal static class Profiles
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    private static readonly string[] Libraries = ["TaskFlow", "RabbitMQ", "Npgsql", "Dapper"];

    /// <summary>Sums the GCAllocationTick samples of a nettrace file.</summary>
    public static int Allocations(string path, string? exclude)
    {
        var etlx = TraceLog.CreateFromEventPipeDataFile(path);
        using var log = new TraceLog(etlx);
        var byType = new Dictionary<string, long>();
        var byFrame = new Dictionary<string, long>();
        var byStack = new Dictionary<string, long>();
        long total = 0;
        foreach (var data in log.Events)
        {
            if (data is not GCAllocationTickTraceData tick)
            {
                continue;
            }

            var frames = Frames(data);
            if (exclude is not null && frames.Exists(f => f.Contains(exclude, StringComparison.Ordinal)))
            {
                continue;
            }

            var bytes = tick.AllocationAmount64;
            total += bytes;
            Add(byType, tick.TypeName, bytes);
            Add(byFrame, FirstOwnFrame(frames), bytes);
            Add(byStack, tick.TypeName + " @ " + string.Join(" <- ", frames.Where(f => f.Length > 0).Take(6)), bytes);
        }

        if (total == 0)
        {
            Console.Error.WriteLine("no allocation samples: capture with --profile gc-verbose");
            return 1;
        }

        Console.WriteLine(string.Create(Ci, $"allocations sampled: {total / 1e6:F1} MB"));
        Print("by type", byType, total, 30);
        Print("by first TaskFlow / RabbitMQ.Client / Npgsql / Dapper frame", byFrame, total, 40);
        Print("by stack", byStack, total, 40);
        return 0;
    }

    /// <summary>Counts a trace's events by name, and those whose name contains <paramref name="name"/> by stack.</summary>
    public static int Events(string path, string name, string? exclude)
    {
        var etlx = TraceLog.CreateFromEventPipeDataFile(path);
        using var log = new TraceLog(etlx);
        var byName = new Dictionary<string, long>();
        var byFrame = new Dictionary<string, long>();
        var byStack = new Dictionary<string, long>();
        long total = 0;
        foreach (var data in log.Events)
        {
            Add(byName, data.ProviderName + "/" + data.EventName, 1);
            if (!data.EventName.Contains(name, StringComparison.Ordinal))
            {
                continue;
            }

            var frames = Frames(data);
            if (exclude is not null && frames.Exists(f => f.Contains(exclude, StringComparison.Ordinal)))
            {
                continue;
            }

            total++;
            Add(byFrame, FirstOwnFrame(frames), 1);
            // The event source's own frames first on every stack say nothing: left out, so the 300 characters shown are the caller's.
            Add(byStack, string.Join(" <- ", frames.Where(f => f.Length > 0 && !f.StartsWith("System.Diagnostics.Tracing.", StringComparison.Ordinal)).Take(10)), 1);
        }

        Print("events by name (all)", byName, Math.Max(1, byName.Values.Sum()), 30);
        if (total == 0)
        {
            Console.Error.WriteLine($"no events named *{name}*");
            return 1;
        }

        Console.WriteLine(string.Create(Ci, $"events named *{name}*: {total}"));
        Print("by first TaskFlow / RabbitMQ.Client / Npgsql / Dapper frame", byFrame, total, 40);
        Print("by stack", byStack, total, 30);
        return 0;
    }

    /// <summary>CPU time of a speedscope file written by dotnet-trace: the frame under each CPU_TIME leaf, self and inclusive.</summary>
    public static int Cpu(string path, string? exclude)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var frames = document.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString() ?? "?").ToArray();
        var self = new Dictionary<string, long>();
        var inclusive = new Dictionary<string, long>();
        long total = 0;
        foreach (var profile in document.RootElement.GetProperty("profiles").EnumerateArray())
        {
            var stack = new List<int>();
            double? last = null;
            foreach (var e in profile.GetProperty("events").EnumerateArray())
            {
                var at = e.GetProperty("at").GetDouble();
                if (last is { } from && stack.Count > 1 && frames[stack[^1]] == "CPU_TIME")
                {
                    var names = stack.Take(stack.Count - 1).Select(i => frames[i]).ToList();
                    if (exclude is null || !names.Exists(n => n.Contains(exclude, StringComparison.Ordinal)))
                    {
                        var micros = (long)((at - from) * 1000);
                        total += micros;
                        Add(self, names[^1], micros);
                        foreach (var name in names.Distinct())
                        {
                            Add(inclusive, name, micros);
                        }
                    }
                }

                if (e.GetProperty("type").GetString() == "O")
                {
                    stack.Add(e.GetProperty("frame").GetInt32());
                }
                else if (stack.Count > 0)
                {
                    stack.RemoveAt(stack.Count - 1);
                }

                last = at;
            }
        }

        if (total == 0)
        {
            Console.Error.WriteLine("no CPU samples: capture with --profile dotnet-sampled-thread-time --format Speedscope");
            return 1;
        }

        Console.WriteLine(string.Create(Ci, $"CPU sampled: {total / 1000.0:F0} ms"));
        Print("self", self, total, 40);
        Print("inclusive", inclusive, total, 80);
        return 0;
    }

    /// <summary>The event's stack, innermost frame first.</summary>
    private static List<string> Frames(Microsoft.Diagnostics.Tracing.TraceEvent data)
    {
        var frames = new List<string>();
        for (var frame = data.CallStack(); frame is not null; frame = frame.Caller)
        {
            frames.Add(frame.CodeAddress.FullMethodName ?? "?");
        }

        return frames;
    }

    /// <summary>The first frame in TaskFlow, RabbitMQ.Client, Npgsql or Dapper, else the innermost.</summary>
    private static string FirstOwnFrame(List<string> frames) =>
        frames.Find(f => Array.Exists(Libraries, l => f.StartsWith(l, StringComparison.Ordinal))) ?? frames.FirstOrDefault() ?? "?";

    private static void Add(Dictionary<string, long> sums, string key, long amount) =>
        sums[key] = sums.GetValueOrDefault(key) + amount;

    private static void Print(string title, Dictionary<string, long> sums, long total, int top)
    {
        Console.WriteLine("--- " + title);
        foreach (var (key, value) in sums.OrderByDescending(p => p.Value).Take(top))
        {
            var name = key.Contains('!', StringComparison.Ordinal) ? key[(key.IndexOf('!', StringComparison.Ordinal) + 1)..] : key;
            Console.WriteLine(string.Create(Ci, $"{value * 100.0 / total,6:F1}% {(name.Length > 300 ? name[..300] : name)}"));
        }
    }
}
