using System;
using System.Collections.Generic;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Emitter
    {
        /// <summary><c>[Task(OrderKey)]</c>: the proxy fills <c>SendOptions.OrderKey</c> from the task's arguments unless the call sets one.</summary>
        private static void AddDeclaredOrderKey(Model.TaskSpec task, List<(string Property, string Value, string Shown)> declared)
        {
            if (task.Order?.Key is { } key)
            {
                declared.Add(("OrderKey", EntityKeyExpression(key), "<c>" + EscapeXml(key.Template) + "</c>"));
            }
        }

        /// <summary><c>[Task(Ordered = true)]</c>: the descriptor's <c>Ordered</c> (sends without a key are ordered per task; the start-up check).</summary>
        private static void AddOrderSetting(Model.TaskSpec task, List<Action<SourceWriter>> settings)
        {
            if (task.Order is not null)
            {
                settings.Add(writer => writer.WriteLine("Ordered = true,"));
            }
        }
    }
}
