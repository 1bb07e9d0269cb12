using System;
using System.Collections.Generic;
using System.Globalization;
using TaskFlow.Generators.Model;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Emitter
    {
        /// <summary><c>[Task(Unique = ...)]</c>: the proxies fill <c>SendOptions.UniqueKey</c> from the template unless the call sets it.</summary>
        private static void AddUniqueOption(TaskSpec task, List<(string Property, string Value, string Shown)> declared)
        {
            if (task.Unique is { } unique)
            {
                declared.Add(("UniqueKey", EntityKeyExpression(unique.Key), "<c>" + EscapeXml(unique.Key.Template) + "</c>"));
            }
        }

        /// <summary>The descriptor's unique settings: the template (for the start-up check), the scope and the period.</summary>
        private static void AddUniqueSettings(TaskSpec task, List<Action<SourceWriter>> settings)
        {
            if (task.Unique is not { } unique)
            {
                return;
            }

            settings.Add(writer => writer.WriteLine("Unique = " + Literal(unique.Key.Template) + ","));
            if (unique.Scope != 0)
            {
                settings.Add(writer => writer.WriteLine("UniqueScope = (global::TaskFlow.UniqueScope)" + unique.Scope.ToString(CultureInfo.InvariantCulture) + ","));
            }

            if (unique.ForSeconds > 0)
            {
                settings.Add(writer => writer.WriteLine("UniqueFor = global::System.TimeSpan.FromSeconds(" + unique.ForSeconds.ToString(CultureInfo.InvariantCulture) + "),"));
            }
        }
    }
}
