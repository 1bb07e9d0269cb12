using System;
using System.Collections.Generic;
using System.Globalization;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Emitter
    {
        /// <summary><c>[Task(RateLimitKey)]</c>: the proxy fills <c>SendOptions.RateLimitKey</c> from the task's arguments.</summary>
        private static void AddDeclaredRateLimitKey(Model.TaskSpec task, List<(string Property, string Value, string Shown)> declared)
        {
            if (task.RateLimit?.Key is { } key)
            {
                declared.Add(("RateLimitKey", EntityKeyExpression(key), "<c>" + EscapeXml(key.Template) + "</c>"));
            }
        }

        /// <summary><c>[Task(RateLimit)]</c>: the descriptor's <c>RateLimit</c>.</summary>
        private static void AddRateLimitSetting(Model.TaskSpec task, List<Action<SourceWriter>> settings)
        {
            if (task.RateLimit is not { } rate)
            {
                return;
            }

            var line = "RateLimit = new global::TaskFlow.TaskRateLimit(" + rate.Count.ToString(CultureInfo.InvariantCulture)
                + ", global::System.TimeSpan.FromSeconds(" + rate.PeriodSeconds.ToString(CultureInfo.InvariantCulture) + ")"
                + (rate.Burst > 1 ? ", " + rate.Burst.ToString(CultureInfo.InvariantCulture) : string.Empty) + "),";
            settings.Add(writer => writer.WriteLine(line));
        }
    }
}
