using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using TaskFlow.Generators.Model;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Emitter
    {
        private const string TimeSpanParse = "global::System.TimeSpan.Parse(";
        private const string Invariant = ", global::System.Globalization.CultureInfo.InvariantCulture)";

        /// <summary>The registration's statements for the <c>[Periodic]</c> schedules, ordered by schedule name.</summary>
        public static EquatableArray<string> CreateScheduleStatements(ImmutableArray<TaskSpec> tasks)
        {
            var statements = new List<(string Name, string Statement)>();
            foreach (var task in tasks)
            {
                foreach (var periodic in task.Periodic)
                {
                    var arguments = periodic.Arguments is { } values
                        ? "new " + task.Container.ClientFullyQualifiedName + "." + task.MethodName + "Arguments(" + string.Join(", ", values) + ")"
                        : "null";
                    var options = new List<string>();
                    if (periodic.Cron is not null)
                    {
                        options.Add("Cron = " + Literal(periodic.Cron));
                    }

                    if (periodic.Every is not null)
                    {
                        options.Add("Every = " + TimeSpanParse + Literal(periodic.Every) + Invariant);
                    }

                    if (periodic.TimeZone is not null)
                    {
                        options.Add("TimeZone = " + Literal(periodic.TimeZone));
                    }

                    options.Add("Overlap = (global::TaskFlow.Scheduling.OverlapPolicy)" + periodic.Overlap.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    options.Add("CatchUp = (global::TaskFlow.Scheduling.CatchUpPolicy)" + periodic.CatchUp.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    if (periodic.CatchUpWindow is not null)
                    {
                        options.Add("CatchUpWindow = " + TimeSpanParse + Literal(periodic.CatchUpWindow) + Invariant);
                    }

                    statements.Add((periodic.Name, "global::TaskFlow.Scheduling.SchedulingTaskFlowBuilderExtensions.AddPeriodic(builder, " + Literal(periodic.Name) + ", "
                        + task.DescriptorReference + ", " + arguments + ", new global::TaskFlow.Scheduling.ScheduleOptions { " + string.Join(", ", options) + " });"));
                }
            }

            return statements.OrderBy(static s => s.Name, System.StringComparer.Ordinal).Select(static s => s.Statement).ToEquatableArray();
        }
    }
}
