using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TaskFlow.Analyzers.Tests;

/// <summary>TF1005 (blocking calls) and TF1006 (static state) inside task methods.</summary>
public sealed class TaskBodyTests
{
    private const string Usings = """
        using System;
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using TaskFlow;

        """;

    [Fact]
    public async Task Blocking_calls_in_a_task_are_reported()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Usings + """
            public static partial class Scraper
            {
                private static readonly SemaphoreSlim s_gate = new(1);

                [Task]
                public static int Scrape(string url)
                {
                    Thread.Sleep(1000);
                    var body = Download(url).Result;
                    Download(url).Wait();
                    var again = Download(url).GetAwaiter().GetResult();
                    var configured = Download(url).ConfigureAwait(false).GetAwaiter().GetResult();
                    Task.WaitAll(Download(url), Download(url));
                    s_gate.Wait();
                    Func<int> inner = () => Download(url).Result.Length;
                    return body.Length + again.Length + configured.Length + inner();
                }

                private static Task<string> Download(string url) => Task.FromResult(url);
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[]
        {
            "TF1005 Thread.Sleep(1000)",
            "TF1005 Download(url).Result",
            "TF1005 Download(url).Wait()",
            "TF1005 Download(url).GetAwaiter().GetResult()",
            "TF1005 Download(url).ConfigureAwait(false).GetAwaiter().GetResult()",
            "TF1005 Task.WaitAll(Download(url), Download(url))",
            "TF1005 s_gate.Wait()",
            "TF1005 Download(url).Result",
        });
        diagnostics[0].GetMessage(CultureInfo.InvariantCulture).ShouldBe(
            "'Thread.Sleep' blocks a worker thread in task 'Scraper.Scrape'; use 'await Task.Delay(delay, cancellationToken)'");
    }

    [Fact]
    public async Task Awaits_completed_tasks_and_code_outside_tasks_are_not_reported()
    {
        var diagnostics = await AnalyzerHarness.FindAsync(Usings + """
            public static partial class Scraper
            {
                [Task]
                public static async Task<int> Scrape(string url, CancellationToken cancellationToken)
                {
                    await Task.Delay(10, cancellationToken);
                    var first = Download(url);
                    var second = Download(url);
                    await Task.WhenAll(first, second);
                    var total = first.Result.Length + second.Result.Length;

                    var third = Download(url);
                    if (third.IsCompletedSuccessfully)
                    {
                        total += third.Result.Length;
                    }

                    total += (await Download(url)).Length;
                    return total;
                }

                // Not a task: the rule is about worker threads.
                public static string Helper(string url)
                {
                    Thread.Sleep(1);
                    return Download(url).Result;
                }

                private static Task<string> Download(string url) => Task.FromResult(url);
            }
            """);

        diagnostics.ShouldBeEmpty();
    }

    [Fact]
    public async Task Writes_to_static_state_in_a_task_are_reported()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Usings + """
            public sealed class Stats { public int Count; }

            public static partial class Scraper
            {
                private static int s_pagesScraped;
                private static readonly List<string> s_seen = new();
                private static readonly Dictionary<string, int> s_sizes = new();
                private static readonly Stats s_stats = new();
                private static readonly int[] s_buckets = new int[4];
                public static string? LastUrl { get; set; }

                [Task]
                public static void Scrape(string url)
                {
                    s_pagesScraped++;
                    s_pagesScraped += 1;
                    Interlocked.Increment(ref s_pagesScraped);
                    s_seen.Add(url);
                    s_sizes[url] = url.Length;
                    s_stats.Count = 2;
                    s_buckets[0] = 1;
                    LastUrl = url;
                }
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[]
        {
            "TF1006 s_pagesScraped++",
            "TF1006 s_pagesScraped += 1",
            "TF1006 ref s_pagesScraped",
            "TF1006 s_seen.Add(url)",
            "TF1006 s_sizes[url] = url.Length",
            "TF1006 s_stats.Count = 2",
            "TF1006 s_buckets[0] = 1",
            "TF1006 LastUrl = url",
        });
        diagnostics[0].GetMessage(CultureInfo.InvariantCulture).ShouldBe(
            "Task 'Scraper.Scrape' writes static field 'Scraper.s_pagesScraped'; tasks run concurrently on many threads and in many worker processes, so static state is neither safe nor shared between them. Keep the state in a database or cache, or guard it with a distributed lock (ITaskLocks, registered by AddStateStore).");
    }

    [Fact]
    public async Task Reads_locals_instance_state_flow_locals_and_concurrent_caches_are_not_reported()
    {
        var diagnostics = await AnalyzerHarness.FindAsync(Usings + """
            public sealed partial class Scraper
            {
                private const int Limit = 10;
                private static readonly ConcurrentDictionary<string, int> s_cache = new();
                private static readonly AsyncLocal<string?> s_current = new();
                [ThreadStatic] private static int t_depth;
                private static int s_total;
                private int _scraped;

                [Task]
                public int Scrape(string url)
                {
                    var seen = new List<string> { url };
                    seen.Add(url);
                    _scraped++;
                    s_current.Value = url;
                    t_depth++;
                    var size = s_cache.GetOrAdd(url, static key => key.Length);
                    s_cache.TryAdd(url, size);
                    return size + s_total + Limit + _scraped + seen.Count;
                }

                // Not a task.
                public static void Reset() => s_total = 0;
            }
            """);

        diagnostics.ShouldBeEmpty();
    }
}
