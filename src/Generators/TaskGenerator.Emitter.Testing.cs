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
        /// <summary>The type whose presence in the compilation turns the typed sent-task accessors on.</summary>
        public const string TestHarnessMetadataName = "TaskFlow.Testing.TaskFlowTestHarness";

        // Members of TaskFlow.Testing.SentTasks (and object) that an extension property of the same name could not hide.
        private static readonly HashSet<string> s_sentTasksMembers = new(StringComparer.Ordinal)
        {
            "Count", "Named", "WithId", "Of", "GetEnumerator", "Equals", "GetHashCode", "ToString", "GetType", "Item",
        };

        // Members every record has: an argument property of one of these names gets a suffix.
        private static readonly HashSet<string> s_recordMembers = new(StringComparer.Ordinal)
        {
            "Sent", "EqualityContract", "Equals", "GetHashCode", "ToString", "PrintMembers", "Deconstruct", "GetType", "Clone",
        };

        public static string SentAccessorsHintName(string assemblyName) =>
            "TaskFlow." + NameConventions.SanitizeAssemblyName(assemblyName) + ".Testing.g.cs";

        /// <summary>
        /// Typed accessors for <c>TaskFlow.Testing</c> (only in compilations that reference it): per task, a record with
        /// the task's message arguments and an extension property on <c>SentTasks</c> that decodes the recorded sends.
        /// </summary>
        public static string EmitSentAccessors(EquatableArray<TaskSpec> tasks, string assemblyName)
        {
            var sanitized = NameConventions.SanitizeAssemblyName(assemblyName);
            var ordered = tasks.OrderBy(static task => task.Container.FullyQualifiedName, StringComparer.Ordinal)
                .ThenBy(static task => task.MethodName, StringComparer.Ordinal)
                .ToList();
            var names = AccessorNames(ordered);
            var writer = new SourceWriter();
            WriteHeader(writer);
            writer.WriteLine("namespace TaskFlow.Testing");
            using (writer.OpenBlock())
            {
                writer.WriteLine("/// <summary>Typed accessors for the recorded sends of the tasks of assembly <c>" + EscapeXml(assemblyName) + "</c>: one property per task on <c>SentTasks</c> (<c>harness.Sent.MyTask.Single()</c>).</summary>");
                writer.WriteLine(s_generatedCodeAttribute);
                writer.WriteLine("public static class " + sanitized + "SentTasks");
                using (writer.OpenBlock())
                {
                    for (var i = 0; i < ordered.Count; i++)
                    {
                        WriteSentRecord(writer, ordered[i], names[i]);
                        writer.WriteLine();
                    }

                    writer.WriteLine("extension(global::TaskFlow.Testing.SentTasks sent)");
                    using (writer.OpenBlock())
                    {
                        for (var i = 0; i < ordered.Count; i++)
                        {
                            if (i > 0)
                            {
                                writer.WriteLine();
                            }

                            WriteSentAccessor(writer, ordered[i], names[i]);
                        }
                    }
                }
            }

            return writer.ToString();
        }

        /// <summary>The method name; with the containing type's name when two tasks share it; suffixed when SentTasks has such a member.</summary>
        private static List<string> AccessorNames(List<TaskSpec> tasks)
        {
            var counts = tasks.GroupBy(static task => task.MethodName, StringComparer.Ordinal).ToDictionary(static g => g.Key, static g => g.Count(), StringComparer.Ordinal);
            var names = new List<string>(tasks.Count);
            var taken = new HashSet<string>(StringComparer.Ordinal);
            foreach (var task in tasks)
            {
                var name = counts[task.MethodName] == 1 ? task.MethodName : TypeName(task.Container) + task.MethodName;
                if (s_sentTasksMembers.Contains(name))
                {
                    name += "Task";
                }

                while (!taken.Add(name))
                {
                    name += "_";
                }

                names.Add(name);
            }

            return names;
        }

        private static string TypeName(ContainerSpec container)
        {
            var name = container.FullyQualifiedName;
            var dot = name.LastIndexOf('.');
            name = dot >= 0 ? name.Substring(dot + 1) : name;
            return name.StartsWith("global::", StringComparison.Ordinal) ? name.Substring("global::".Length) : name;
        }

        private static void WriteSentRecord(SourceWriter writer, TaskSpec task, string name)
        {
            var properties = ArgumentProperties(task);
            writer.WriteLine("/// <summary>A recorded send of " + MethodReference(task) + " (task <c>" + EscapeXml(task.TaskName) + "</c>) with its arguments.</summary>");
            writer.WriteLine("/// <param name=\"Sent\">The recorded send: id, queue, countdown, headers, runs.</param>");
            foreach (var (parameter, property) in properties)
            {
                writer.WriteLine("/// <param name=\"" + property + "\">The argument <c>" + EscapeXml(parameter.Name) + "</c>.</param>");
            }

            writer.WriteLine(s_generatedCodeAttribute);
            var members = new List<string> { "global::TaskFlow.Testing.SentTask Sent" };
            members.AddRange(properties.Select(static p => p.Parameter.Type + " " + p.Property));
            writer.WriteLine(ProxyAccessibility(task) + " sealed record " + name + "Sent(" + string.Join(", ", members) + ");");
        }

        private static void WriteSentAccessor(SourceWriter writer, TaskSpec task, string name)
        {
            var position = 0;
            var reads = new List<string> { "task" };
            foreach (var parameter in task.Parameters.Where(static parameter => parameter.Kind == TaskParameterKind.Argument))
            {
                var index = position.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var allowNull = parameter.IsNullable ? "true" : "false";
                reads.Add(parameter.DefaultValue is { } defaultValue
                    ? "task.Arguments.GetOrDefault<" + parameter.Type + ">(" + index + ", " + ConstantExpression(defaultValue) + ", " + allowNull + ")"
                    : "task.Arguments.Get<" + parameter.Type + ">(" + index + ", " + allowNull + ")");
                position++;
            }

            var record = name + "Sent";
            writer.WriteLine("/// <summary>The recorded sends of " + MethodReference(task) + " (task <c>" + EscapeXml(task.TaskName) + "</c>), in order, with their arguments.</summary>");
            writer.WriteLine(s_generatedCodeAttribute);
            writer.WriteLine(ProxyAccessibility(task) + " global::TaskFlow.Testing.SentTaskList<" + record + "> " + name + " =>");
            writer.WriteLine("    sent.Of(" + Literal(task.TaskName) + ", static task => new " + record + "(" + string.Join(", ", reads) + "));");
        }

        /// <summary>The record property of each message argument: its name in PascalCase, unique.</summary>
        private static List<(ParameterSpec Parameter, string Property)> ArgumentProperties(TaskSpec task)
        {
            var taken = new HashSet<string>(s_recordMembers, StringComparer.Ordinal);
            var result = new List<(ParameterSpec, string)>();
            foreach (var parameter in task.Parameters.Where(static parameter => parameter.Kind == TaskParameterKind.Argument))
            {
                var name = parameter.Name.TrimStart('@');
                name = name.Length > 0 && char.IsLower(name[0]) ? char.ToUpperInvariant(name[0]) + name.Substring(1) : name;
                if (taken.Contains(name))
                {
                    name += "Argument";
                }

                while (!taken.Add(name))
                {
                    name += "_";
                }

                result.Add((parameter, NameConventions.ToIdentifier(name)));
            }

            return result;
        }
    }
}
