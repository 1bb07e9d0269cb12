using System;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace TaskFlow.Dashboard.Internal;

/// <summary>
/// The live-update stream (server-sent events): every <see cref="TaskFlowDashboardOptions.RefreshInterval"/> it reads a
/// cheap fingerprint of what the pages show (task counts by state in the last hour and day, workers, queue depths) and
/// sends a <c>change</c> event when it moved; the page then re-fetches its main part. A comment line otherwise keeps
/// proxies from closing the connection. The browser closes the stream while the tab is hidden.
/// </summary>
internal static class LiveEvents
{
    public static async Task StreamAsync(HttpContext http, string prefix)
    {
        var r = await DashboardRequest.CreateAsync(http, prefix).ConfigureAwait(false);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var token = http.RequestAborted;
        string? last = null;
        await http.Response.WriteAsync("retry: 3000\n\n", token).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(token).ConfigureAwait(false);
        using var timer = new PeriodicTimer(r.Options.RefreshInterval);
        try
        {
            do
            {
                var stamp = await FingerprintAsync(r, token).ConfigureAwait(false);
                if (last is not null && !string.Equals(stamp, last, StringComparison.Ordinal))
                {
                    await http.Response.WriteAsync("event: change\ndata: " + StringComparer.Ordinal.GetHashCode(stamp).ToString("x8", CultureInfo.InvariantCulture) + "\n\n", token).ConfigureAwait(false);
                }
                else
                {
                    await http.Response.WriteAsync(": tick\n\n", token).ConfigureAwait(false);
                }

                await http.Response.Body.FlushAsync(token).ConfigureAwait(false);
                last = stamp;
            }
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // the page closed the stream
        }
    }

    private static async Task<string> FingerprintAsync(DashboardRequest r, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        try
        {
            if (r.Store is { } store)
            {
                var counts = await store.GetTaskCountsAsync(DateTimeOffset.UtcNow.AddDays(-1), cancellationToken).ConfigureAwait(false);
                foreach (var (state, count) in counts.ByState.OrderBy(p => p.Key))
                {
                    text.Append(state).Append('=').Append(count).Append(';');
                }

                foreach (var worker in await store.GetWorkersAsync(cancellationToken).ConfigureAwait(false))
                {
                    text.Append(worker.Name).Append(':').Append(worker.Status).Append(':').Append(worker.InFlight).Append(';');
                }
            }

            if (r.Admin is { } admin)
            {
                foreach (var queue in await admin.GetQueueStatsAsync(null, cancellationToken).ConfigureAwait(false))
                {
                    text.Append(queue.Name).Append(':').Append(queue.Ready).Append(':').Append(queue.Unacknowledged).Append(':').Append(queue.DeadLetters).Append(':').Append(queue.Consumers).Append(';');
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            text.Append("error:").Append(ex.GetType().Name);
        }

        return text.ToString();
    }
}
