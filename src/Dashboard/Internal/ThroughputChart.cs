using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using TaskFlow.State;

namespace TaskFlow.Dashboard.Internal;

/// <summary>The overview's chart, rendered on the server as SVG: tasks recorded per time bucket, stacked by outcome.</summary>
internal static class ThroughputChart
{
    private const int Width = 960;
    private const int Height = 180;
    private const int Left = 44;
    private const int Bottom = 22;

    public static string Render(IReadOnlyList<TaskTimelineBucket> buckets, DateTimeOffset since, TimeSpan bucket, DateTimeOffset now)
    {
        var seconds = (long)bucket.TotalSeconds;
        var first = since.ToUnixTimeSeconds() / seconds;
        var last = now.ToUnixTimeSeconds() / seconds;
        var count = (int)(last - first + 1);
        var ok = new long[count];
        var bad = new long[count];
        var other = new long[count];
        foreach (var b in buckets)
        {
            var i = (int)(b.Start.ToUnixTimeSeconds() / seconds - first);
            if (i < 0 || i >= count)
            {
                continue;
            }

            switch (b.State)
            {
                case TaskState.Succeeded: ok[i] += b.Count; break;
                case TaskState.Failed or TaskState.DeadLettered: bad[i] += b.Count; break;
                default: other[i] += b.Count; break;
            }
        }

        var max = Math.Max(1, Enumerable.Range(0, count).Select(i => ok[i] + bad[i] + other[i]).DefaultIfEmpty(0).Max());
        var plotWidth = Width - Left - 8;
        var plotHeight = Height - Bottom - 10;
        var barWidth = (double)plotWidth / count;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" role=\"img\" aria-label=\"Tasks per {Html.Age(bucket)}\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{10 + plotHeight}\" x2=\"{Width - 8}\" y2=\"{10 + plotHeight}\" stroke=\"#dde1e8\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"16\" text-anchor=\"end\" font-size=\"11\" fill=\"#5e6779\">{Html.Number(max)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{10 + plotHeight}\" text-anchor=\"end\" font-size=\"11\" fill=\"#5e6779\">0</text>");
        for (var i = 0; i < count; i++)
        {
            var x = Left + i * barWidth;
            var y = 10.0 + plotHeight;
            foreach (var (value, color, label) in new[] { (ok[i], "#1f8a4c", "succeeded"), (bad[i], "#c53030", "failed"), (other[i], "#9aa3b2", "other") })
            {
                if (value == 0)
                {
                    continue;
                }

                var h = (double)value / max * plotHeight;
                y -= h;
                var start = DateTimeOffset.FromUnixTimeSeconds((first + i) * seconds);
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x + 0.5:0.##}\" y=\"{y:0.##}\" width=\"{Math.Max(1, barWidth - 1):0.##}\" height=\"{h:0.##}\" fill=\"{color}\"><title>{start.UtcDateTime:HH:mm}Z {label}: {value}</title></rect>");
            }
        }

        var step = Math.Max(1, count / 6);
        for (var i = 0; i < count; i += step)
        {
            var start = DateTimeOffset.FromUnixTimeSeconds((first + i) * seconds);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + i * barWidth:0.##}\" y=\"{Height - 6}\" font-size=\"11\" fill=\"#5e6779\">{start.UtcDateTime:HH:mm}</text>");
        }

        svg.Append("</svg><div class=\"legend\"><span><i class=\"ok\"></i>succeeded</span><span><i class=\"bad\"></i>failed or dead-lettered</span><span><i class=\"other\"></i>pending, running, retrying, revoked, expired</span></div>");
        return svg.ToString();
    }
}
