using System;
using System.Collections.Generic;
using System.Linq;
using TaskFlow.Generators.Model;
using TaskFlow.Shared;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Emitter
    {
        /// <summary>Tuple element names C# refuses (or reads as something else) in a tuple type.</summary>
        private static readonly HashSet<string> s_reservedTupleNames = new(StringComparer.Ordinal)
        {
            "Rest", "ToString", "GetHashCode", "Equals", "GetType", "CompareTo", "Deconstruct",
        };

        /// <summary>
        /// The proxy's batch methods, <c>DelayManyAsync</c> and <c>ApplyManyAsync</c>: a sequence of the arguments
        /// (the value itself for a one-argument task, a tuple of them for more, a count for none) sent with
        /// <c>ITaskClient.SendManyAsync</c>. The options the task declares (entity, concurrency, unique and rate-limit
        /// keys) are filled per item from that item's arguments, as <c>DelayAsync</c> fills them per call.
        /// </summary>
        /// <param name="writer">Inside the proxy struct.</param>
        /// <param name="task">The task.</param>
        /// <param name="clientField">The proxy's client field.</param>
        /// <param name="options">The name <c>ApplyAsync</c> gives its options (the declared options' expressions use it).</param>
        /// <param name="delayOptions">The options expression of <c>DelayAsync</c>, in terms of the argument identifiers.</param>
        /// <param name="applyOptions">The options expression of <c>ApplyAsync</c>, in terms of the argument identifiers and <paramref name="options"/>.</param>
        /// <param name="declaredDocs">What the declared options set, for the docs; empty when nothing.</param>
        private static void WriteBulkMethods(SourceWriter writer, TaskSpec task, string clientField, string options, string delayOptions, string applyOptions, string declaredDocs)
        {
            var arguments = task.Parameters.Where(static parameter => parameter.Kind == TaskParameterKind.Argument).ToList();
            var taken = new HashSet<string>(arguments.Select(static argument => argument.Identifier), StringComparer.Ordinal) { options, clientField };
            var items = NameConventions.Unique("items", taken);
            taken.Add(items);
            var batch = NameConventions.Unique("batch", taken);
            taken.Add(batch);
            var index = NameConventions.Unique("index", taken);
            taken.Add(index);
            var counted = NameConventions.Unique("counted", taken);
            taken.Add(counted);
            var cancellationToken = NameConventions.Unique("cancellationToken", taken);

            var argumentsType = task.Container.ClientFullyQualifiedName + "." + task.MethodName + "Arguments";
            var itemType = "global::TaskFlow.TaskBatchItem<" + argumentsType + ">";
            string itemsType;
            string itemsDoc;
            if (arguments.Count == 0)
            {
                itemsType = "int";
                itemsDoc = "How many tasks to send (the task takes no arguments).";
            }
            else if (arguments.Count == 1)
            {
                itemsType = "global::System.Collections.Generic.IEnumerable<" + arguments[0].Type + ">";
                itemsDoc = "The <c>" + arguments[0].Name + "</c> argument of each task, one task per value.";
            }
            else
            {
                var elements = arguments.Select((argument, i) =>
                    argument.Type + (IsUsableTupleName(argument.Name, i) ? " " + argument.Identifier : string.Empty));
                itemsType = "global::System.Collections.Generic.IEnumerable<(" + string.Join(", ", elements) + ")>";
                itemsDoc = "The arguments of each task (" + string.Join(", ", arguments.Select(static argument => "<c>" + argument.Name + "</c>")) + "), one task per tuple.";
            }

            var returnType = task.ResultType is null
                ? "global::System.Threading.Tasks.ValueTask<global::System.Collections.Generic.IReadOnlyList<global::TaskFlow.TaskHandle>>"
                : "global::System.Threading.Tasks.ValueTask<global::System.Collections.Generic.IReadOnlyList<global::TaskFlow.TaskHandle<" + task.ResultType + ">>>";
            var returns = "/// <returns>The handles of the enqueued tasks, in the order of <paramref name=\"" + items + "\"/>.</returns>";
            var tokenParameter = CancellationTokenType + " " + cancellationToken + " = default";

            writer.WriteLine();
            writer.WriteLine("/// <summary>");
            writer.WriteLine("/// Sends a batch of the task, one per item, with its configured options: every item is checked before anything is sent,");
            writer.WriteLine("/// the publishes are pipelined and confirmed together. Completes when the broker has confirmed all of them; throws");
            writer.WriteLine("/// <see cref=\"global::TaskFlow.TaskBatchException\"/> (the handles of those that were) when some were not.");
            writer.WriteLine("/// </summary>");
            if (declaredDocs.Length > 0)
            {
                writer.WriteLine("/// <remarks>Sets " + declaredDocs + " for each item from its own arguments, as the task declares.</remarks>");
            }

            writer.WriteLine("/// <param name=\"" + items + "\">" + itemsDoc + "</param>");
            writer.WriteLine("/// <param name=\"" + cancellationToken + "\">Cancels sending the tasks (not the tasks themselves).</param>");
            writer.WriteLine(returns);
            writer.WriteLine("public " + returnType + " DelayManyAsync(" + itemsType + " " + items + ", " + tokenParameter + ")");
            WriteBulkBody(writer, task, arguments, clientField, items, batch, index, counted, itemType, delayOptions, cancellationToken);

            writer.WriteLine();
            writer.WriteLine("/// <summary>");
            writer.WriteLine("/// Sends a batch of the task, one per item, with per-call options (queue, countdown, expiry, priority...) shared by every item;");
            writer.WriteLine("/// see <c>DelayManyAsync</c>. <c>SendOptions.TaskId</c> names one task: set it for a batch of one only.");
            writer.WriteLine("/// </summary>");
            writer.WriteLine("/// <param name=\"" + items + "\">" + itemsDoc + "</param>");
            writer.WriteLine(declaredDocs.Length > 0
                ? "/// <param name=\"" + options + "\">The options of every item; where they leave them unset, the task's declaration sets " + declaredDocs + " from each item's arguments.</param>"
                : "/// <param name=\"" + options + "\">The options of every item.</param>");
            writer.WriteLine("/// <param name=\"" + cancellationToken + "\">Cancels sending the tasks (not the tasks themselves).</param>");
            writer.WriteLine(returns);
            writer.WriteLine("public " + returnType + " ApplyManyAsync(" + itemsType + " " + items + ", global::TaskFlow.SendOptions " + options + ", " + tokenParameter + ")");
            WriteBulkBody(writer, task, arguments, clientField, items, batch, index, counted, itemType, applyOptions, cancellationToken);
        }

        private static void WriteBulkBody(
            SourceWriter writer,
            TaskSpec task,
            List<ParameterSpec> arguments,
            string clientField,
            string items,
            string batch,
            string index,
            string counted,
            string itemType,
            string optionsExpression,
            string cancellationToken)
        {
            var newArguments = "new " + task.Container.ClientFullyQualifiedName + "." + task.MethodName + "Arguments(" + string.Join(", ", arguments.Select(static argument => argument.Identifier)) + ")";
            var newItem = "new " + itemType + "(" + newArguments + ", " + optionsExpression + ")";
            using (writer.OpenBlock())
            {
                if (arguments.Count == 0)
                {
                    writer.WriteLine("if (" + items + " < 0) throw new global::System.ArgumentOutOfRangeException(nameof(" + items + "), \"TaskFlow: the count of tasks to send cannot be negative.\");");
                    writer.WriteLine("var " + batch + " = new " + itemType + "[" + items + "];");
                    writer.WriteLine("for (var " + index + " = 0; " + index + " < " + items + "; " + index + "++)");
                    using (writer.OpenBlock())
                    {
                        writer.WriteLine(batch + "[" + index + "] = " + newItem + ";");
                    }
                }
                else
                {
                    writer.WriteLine("if (" + items + " is null) throw new global::System.ArgumentNullException(nameof(" + items + "));");
                    writer.WriteLine("var " + batch + " = " + items + " is global::System.Collections.Generic.IReadOnlyCollection<" + (arguments.Count == 1 ? arguments[0].Type : "(" + string.Join(", ", arguments.Select(static argument => argument.Type)) + ")") + "> " + counted);
                    writer.Indent();
                    writer.WriteLine("? new global::System.Collections.Generic.List<" + itemType + ">(" + counted + ".Count)");
                    writer.WriteLine(": new global::System.Collections.Generic.List<" + itemType + ">();");
                    writer.Unindent();
                    var loopVariable = arguments.Count == 1
                        ? arguments[0].Identifier
                        : "(" + string.Join(", ", arguments.Select(static argument => argument.Identifier)) + ")";
                    writer.WriteLine("foreach (var " + loopVariable + " in " + items + ")");
                    using (writer.OpenBlock())
                    {
                        writer.WriteLine(batch + ".Add(" + newItem + ");");
                    }
                }

                var call = clientField + ".SendManyAsync(" + task.DescriptorReference + ", " + batch + ", " + cancellationToken + ")";
                writer.WriteLine("return " + (task.ResultType is null ? call : "global::TaskFlow.TaskHandle<" + task.ResultType + ">.FromManyAsync(" + call + ")") + ";");
            }
        }

        /// <summary>Whether a parameter name can name its tuple element: not a member of <c>ValueTuple</c>, nor <c>ItemN</c> at another position.</summary>
        private static bool IsUsableTupleName(string name, int position)
        {
            if (s_reservedTupleNames.Contains(name))
            {
                return false;
            }

            return !(name.StartsWith("Item", StringComparison.Ordinal) && name.Length > 4 && name.Substring(4).All(char.IsDigit) && name != "Item" + (position + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
