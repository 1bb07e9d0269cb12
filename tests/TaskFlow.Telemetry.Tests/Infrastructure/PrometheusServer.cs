using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Tasks;
using TaskFlow.TestSupport;

namespace TaskFlow.Telemetry.Tests;

/// <summary>
/// A real Prometheus server (Debian's <c>prometheus</c> package, installed by scripts/prometheus.sh), started for one
/// test on 127.0.0.1 with its own configuration and data directory, scraping one target every second; its HTTP query
/// API answers <see cref="QueryAsync"/>. Disposing stops it and deletes its directory.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly ChildProcess _process;
    private readonly string _directory;

    private PrometheusServer(ChildProcess process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
    }

    /// <summary>Where its HTTP API listens.</summary>
    public Uri Address { get; }

    /// <summary>Its output so far, for failure messages.</summary>
    public string Output => _process.Output;

    /// <summary>Starts a server that scrapes <paramref name="target"/> (<c>host:port</c>, path <c>/metrics</c>) every second.</summary>
    public static async Task<PrometheusServer> StartAsync(string target)
    {
        var binary = new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Prometheus is not installed: run `bash scripts/prometheus.sh` (scripts/test.sh does), which installs Debian's prometheus package.");
        var directory = Path.Combine(Path.GetTempPath(), "taskflow-prometheus-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: taskflow
                metrics_path: /metrics
                static_configs:
                  - targets: ['{target}']
            """);
        var port = FreePort();
        var start = new ProcessStartInfo(binary) { WorkingDirectory = directory };
        foreach (var argument in new[]
        {
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(directory, "data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = ChildProcess.Start(start, "prometheus");
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await process.WaitForLineAsync("Server is ready to receive web requests", TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Runs an instant query; returns each series' labels and value.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string query)
    {
        var json = await Http.GetStringAsync(new Uri(Address, "api/v1/query?query=" + Uri.EscapeDataString(query)));
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus query {query} failed: {json}");
        }

        var series = new List<(Dictionary<string, string>, double)>();
        foreach (var item in root.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal);
            var value = double.Parse(item.GetProperty("value")[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
            series.Add((labels, value));
        }

        return series;
    }

    /// <summary>Queries until <paramref name="done"/> accepts the answer, up to <paramref name="timeout"/>; returns the last answer.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> WaitForAsync(
        string query,
        Func<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>, bool> done,
        TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var answer = await QueryAsync(query);
            if (done(answer) || DateTime.UtcNow >= deadline)
            {
                return answer;
            }

            await Task.Delay(500);
        }
    }

    /// <summary>The scrape targets' health as Prometheus sees it (for failure messages).</summary>
    public Task<string> TargetsAsync() => Http.GetStringAsync(new Uri(Address, "api/v1/targets"));

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StopAsync(StopSignal.Terminate, TimeSpan.FromSeconds(20));
            }
        }
        finally
        {
            await _process.DisposeAsync();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temporary directory.
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
