using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;
using TaskFlow.Generators.Model;
using TaskFlow.Shared;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    /// <summary>Writes the generated sources from the equatable models.</summary>
    internal static partial class Emitter
    {
        private const string ValueTaskOfObject = "global::System.Threading.Tasks.ValueTask<object?>";
        private const string ValueTaskOfHandle = "global::System.Threading.Tasks.ValueTask<global::TaskFlow.TaskHandle>";
        private const string CancellationTokenType = "global::System.Threading.CancellationToken";
        private const string ServiceProviderExtensions = "global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions";
        private const string ServiceCollectionExtensions = "global::Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions";

        public static readonly string GeneratorVersion =
            typeof(TaskGenerator).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

        private static readonly string s_generatedCodeAttribute =
            "[global::System.CodeDom.Compiler.GeneratedCode(\"TaskFlow.Generators\", \"" + GeneratorVersion + "\")]";

        public static string TaskHintName(TaskSpec task) => HintPrefix(task.Container) + "." + task.MethodName + ".g.cs";

        public static string ContainerHintName(ContainerSpec container) => HintPrefix(container) + ".g.cs";

        public static string RegistrationHintName(string assemblyName) =>
            "TaskFlow." + NameConventions.SanitizeAssemblyName(assemblyName) + ".Registration.g.cs";

        /// <summary>The proxy, arguments struct, descriptor and invoker of one task, in the container's Client class.</summary>
        public static string EmitTask(TaskSpec task)
        {
            var writer = new SourceWriter();
            WriteHeader(writer);
            WriteInContainer(writer, task.Container, () =>
            {
                writer.WriteLine("partial class Client");
                using (writer.OpenBlock())
                {
                    WriteProxyProperty(writer, task);
                    writer.WriteLine();
                    WriteProxy(writer, task);
                    writer.WriteLine();
                    WriteArguments(writer, task);
                    writer.WriteLine();
                    WriteDescriptor(writer, task);
                    writer.WriteLine();
                    WriteInvoker(writer, task);
                }
            });
            return writer.ToString();
        }

        /// <summary>The container's Client class: the client field and constructor.</summary>
        public static string EmitContainer(ContainerSpec container, string assemblyName)
        {
            var registrationMethod = NameConventions.RegistrationMethodName(NameConventions.SanitizeAssemblyName(assemblyName));
            var writer = new SourceWriter();
            WriteHeader(writer);
            WriteInContainer(writer, container, () =>
            {
                writer.WriteLine("/// <summary>");
                writer.WriteLine("/// Typed enqueue proxies for the tasks of <see cref=\"" + container.FullyQualifiedName + "\"/>. Resolve it from DI (registered by");
                writer.WriteLine("/// <c>" + registrationMethod + "()</c>) or construct it with an <see cref=\"global::TaskFlow.ITaskClient\"/>.");
                writer.WriteLine("/// </summary>");
                writer.WriteLine(s_generatedCodeAttribute);
                writer.WriteLine("public " + (container.ClientHidesInheritedMember ? "new " : string.Empty) + "sealed partial class Client");
                using (writer.OpenBlock())
                {
                    writer.WriteLine("private readonly global::TaskFlow.ITaskClient _client;");
                    writer.WriteLine();
                    writer.WriteLine("/// <summary>Creates the proxies over <paramref name=\"client\"/>.</summary>");
                    writer.WriteLine("/// <param name=\"client\">The client that sends the tasks.</param>");
                    writer.WriteLine("public Client(global::TaskFlow.ITaskClient client)");
                    using (writer.OpenBlock())
                    {
                        writer.WriteLine("global::System.ArgumentNullException.ThrowIfNull(client);");
                        writer.WriteLine("_client = client;");
                    }
                }
            });
            return writer.ToString();
        }

        /// <summary>Collects what the registration extension registers, in ordinal order.</summary>
        public static RegistrationSpec CreateRegistration(ImmutableArray<TaskSpec> tasks)
        {
            var descriptors = tasks.Select(static task => task.DescriptorReference).OrderBy(static name => name, StringComparer.Ordinal);
            var clients = tasks.Select(static task => task.Container.ClientFullyQualifiedName).Distinct(StringComparer.Ordinal).OrderBy(static name => name, StringComparer.Ordinal);
            var scoped = tasks.Where(static task => !task.IsStatic).Select(static task => task.Container.FullyQualifiedName).Distinct(StringComparer.Ordinal).OrderBy(static name => name, StringComparer.Ordinal);
            return new RegistrationSpec(tasks.Length, descriptors.ToEquatableArray(), clients.ToEquatableArray(), scoped.ToEquatableArray(), CreateScheduleStatements(tasks));
        }

        /// <summary>The <c>Add{Assembly}Tasks()</c> extension on <c>TaskFlowBuilder</c>.</summary>
        public static string EmitRegistration(RegistrationSpec registration, string assemblyName)
        {
            var sanitized = NameConventions.SanitizeAssemblyName(assemblyName);
            var assembly = EscapeXml(assemblyName);
            var writer = new SourceWriter();
            WriteHeader(writer);
            writer.WriteLine("namespace TaskFlow");
            using (writer.OpenBlock())
            {
                writer.WriteLine("/// <summary>Registers the tasks of assembly <c>" + assembly + "</c> with TaskFlow.</summary>");
                writer.WriteLine(s_generatedCodeAttribute);
                writer.WriteLine("public static class " + NameConventions.RegistrationClassName(sanitized));
                using (writer.OpenBlock())
                {
                    var count = registration.TaskCount.ToString(CultureInfo.InvariantCulture) + (registration.TaskCount == 1 ? " task" : " tasks");
                    writer.WriteLine("/// <summary>Registers the " + count + " of assembly <c>" + assembly + "</c> and their typed clients.</summary>");
                    writer.WriteLine("/// <param name=\"builder\">The builder returned by <c>AddTaskFlow(...)</c>.</param>");
                    writer.WriteLine("/// <returns>The same builder, for chaining.</returns>");
                    writer.WriteLine(s_generatedCodeAttribute);
                    writer.WriteLine("public static global::TaskFlow.TaskFlowBuilder " + NameConventions.RegistrationMethodName(sanitized) + "(this global::TaskFlow.TaskFlowBuilder builder)");
                    using (writer.OpenBlock())
                    {
                        writer.WriteLine("global::System.ArgumentNullException.ThrowIfNull(builder);");
                        foreach (var descriptor in registration.Descriptors)
                        {
                            writer.WriteLine("builder.AddTask(" + descriptor + ");");
                        }

                        foreach (var client in registration.Clients)
                        {
                            writer.WriteLine(ServiceCollectionExtensions + ".TryAddSingleton<" + client + ">(builder.Services);");
                        }

                        foreach (var container in registration.ScopedContainers)
                        {
                            writer.WriteLine(ServiceCollectionExtensions + ".TryAddScoped<" + container + ">(builder.Services);");
                        }

                        foreach (var schedule in registration.Schedules)
                        {
                            writer.WriteLine(schedule);
                        }

                        writer.WriteLine("return builder;");
                    }
                }
            }

            return writer.ToString();
        }

        private static void WriteProxyProperty(SourceWriter writer, TaskSpec task)
        {
            writer.WriteLine("/// <summary>Enqueues " + MethodReference(task) + " as task <c>" + EscapeXml(task.TaskName) + "</c>.</summary>");
            writer.WriteLine(s_generatedCodeAttribute);
            writer.WriteLine(ProxyAccessibility(task) + " " + task.MethodName + "Proxy " + task.MethodIdentifier + " => new " + task.MethodName + "Proxy(_client);");
        }

        private static void WriteProxy(SourceWriter writer, TaskSpec task)
        {
            var arguments = task.Parameters.Where(static parameter => parameter.Kind == TaskParameterKind.Argument).ToList();
            var taken = new HashSet<string>(arguments.Select(static argument => argument.Identifier), StringComparer.Ordinal);
            var clientField = NameConventions.Unique("_client", taken);
            var options = NameConventions.Unique("options", taken);
            var cancellationToken = NameConventions.Unique("cancellationToken", taken);

            var required = arguments.Where(static argument => !argument.DefaultInProxy).Select(ProxyParameter);
            var optional = arguments.Where(static argument => argument.DefaultInProxy).Select(ProxyParameter);
            var tokenParameter = CancellationTokenType + " " + cancellationToken + " = default";
            var delayParameters = string.Join(", ", required.Concat(optional).Concat(new[] { tokenParameter }));
            var applyParameters = string.Join(", ", required.Concat(new[] { "global::TaskFlow.SendOptions " + options }).Concat(optional).Concat(new[] { tokenParameter }));

            var argumentsType = task.Container.ClientFullyQualifiedName + "." + task.MethodName + "Arguments";
            var newArguments = "new " + argumentsType + "(" + string.Join(", ", arguments.Select(static argument => argument.Identifier)) + ")";
            var returnType = task.ResultType is null ? ValueTaskOfHandle : "global::System.Threading.Tasks.ValueTask<global::TaskFlow.TaskHandle<" + task.ResultType + ">>";
            string Enqueue(string optionsExpression)
            {
                var call = clientField + ".SendAsync(" + task.DescriptorReference + ", " + newArguments + ", " + optionsExpression + ", " + cancellationToken + ")";
                return task.ResultType is null ? call : "global::TaskFlow.TaskHandle<" + task.ResultType + ">.FromAsync(" + call + ")";
            }

            var returns = task.ResultType is null
                ? "/// <returns>The handle of the enqueued task.</returns>"
                : "/// <returns>The handle of the enqueued task, typed with the task's result.</returns>";

            // What the task declares ([Task(EntityKey, IgnoreResult)]) fills the options the call leaves unset.
            var delayOptions = "null";
            var applyOptions = options;
            var declared = DeclaredOptions(task);
            if (declared.Count > 0)
            {
                delayOptions = "new global::TaskFlow.SendOptions { " + string.Join(", ", declared.Select(static entry => entry.Property + " = " + entry.Value)) + " }";
                applyOptions = "new global::TaskFlow.SendOptions(" + options + ") { "
                    + string.Join(", ", declared.Select(entry => entry.Property + " = " + options + "." + entry.Property + " ?? " + entry.Value)) + " }";
            }

            var declaredDocs = string.Join(" and ", declared.Select(static entry => "<c>" + entry.Property + "</c> to " + entry.Shown));

            writer.WriteLine("/// <summary>Sends task <c>" + EscapeXml(task.TaskName) + "</c>, which runs " + MethodReference(task) + " on a worker.</summary>");
            writer.WriteLine(s_generatedCodeAttribute);
            writer.WriteLine(ProxyAccessibility(task) + " readonly struct " + task.MethodName + "Proxy");
            using (writer.OpenBlock())
            {
                writer.WriteLine("private readonly global::TaskFlow.ITaskClient " + clientField + ";");
                writer.WriteLine();
                writer.WriteLine("internal " + task.MethodName + "Proxy(global::TaskFlow.ITaskClient client)");
                using (writer.OpenBlock())
                {
                    writer.WriteLine(clientField + " = client;");
                }

                writer.WriteLine();
                writer.WriteLine("/// <summary>Sends the task with its configured options; completes when the broker has confirmed it.</summary>");
                if (declared.Count > 0)
                {
                    writer.WriteLine("/// <remarks>Sets " + declaredDocs + ", as the task declares.</remarks>");
                }

                WriteArgumentDocs(writer, arguments);
                writer.WriteLine("/// <param name=\"" + cancellationToken + "\">Cancels sending the task (not the task itself).</param>");
                writer.WriteLine(returns);
                writer.WriteLine("public " + returnType + " DelayAsync(" + delayParameters + ")");
                writer.Indent();
                writer.WriteLine("=> " + Enqueue(delayOptions) + ";");
                writer.Unindent();
                writer.WriteLine();
                writer.WriteLine("/// <summary>Sends the task with per-call options (task id, queue, countdown, expiry, priority...); completes when the broker has confirmed it.</summary>");
                WriteArgumentDocs(writer, arguments.Where(static argument => !argument.DefaultInProxy));
                writer.WriteLine(declared.Count > 0
                    ? "/// <param name=\"" + options + "\">The options of this call; where they leave them unset, the task's declaration sets " + declaredDocs + ".</param>"
                    : "/// <param name=\"" + options + "\">The options of this call.</param>");
                WriteArgumentDocs(writer, arguments.Where(static argument => argument.DefaultInProxy));
                writer.WriteLine("/// <param name=\"" + cancellationToken + "\">Cancels sending the task (not the task itself).</param>");
                writer.WriteLine(returns);
                writer.WriteLine("public " + returnType + " ApplyAsync(" + applyParameters + ")");
                writer.Indent();
                writer.WriteLine("=> " + Enqueue(applyOptions) + ";");
                writer.Unindent();
                WriteBulkMethods(writer, task, clientField, options, delayOptions, applyOptions, declaredDocs);
            }
        }

        /// <summary>The <c>SendOptions</c> a task declares in <c>[Task]</c>: property, value expression, and how the docs show it.</summary>
        private static List<(string Property, string Value, string Shown)> DeclaredOptions(TaskSpec task)
        {
            var declared = new List<(string Property, string Value, string Shown)>();
            if (task.EntityKey is { } entityKey)
            {
                declared.Add(("EntityKey", EntityKeyExpression(entityKey), "<c>" + EscapeXml(entityKey.Template) + "</c>"));
            }

            if (task.IgnoreResult is true)
            {
                declared.Add(("IgnoreResult", "true", "<c>true</c>"));
            }

            if (task.ConcurrencyKey is { } concurrencyKey)
            {
                declared.Add(("ConcurrencyKey", EntityKeyExpression(concurrencyKey), "<c>" + EscapeXml(concurrencyKey.Template) + "</c>"));
            }

            AddUniqueOption(task, declared);
            AddDeclaredRateLimitKey(task, declared);
            AddDeclaredOrderKey(task, declared);
            return declared;
        }

        private static void WriteArgumentDocs(SourceWriter writer, IEnumerable<ParameterSpec> arguments)
        {
            foreach (var argument in arguments)
            {
                writer.WriteLine("/// <param name=\"" + argument.Name + "\">The task's <c>" + argument.Name + "</c> argument.</param>");
            }
        }

        private static string ProxyParameter(ParameterSpec argument) =>
            argument.Type + " " + argument.Identifier + (argument.DefaultInProxy && argument.DefaultValue is { } value ? " = " + ConstantExpression(value) : string.Empty);

        private static void WriteArguments(SourceWriter writer, TaskSpec task)
        {
            var arguments = task.Parameters.Where(static parameter => parameter.Kind == TaskParameterKind.Argument).ToList();
            var name = task.MethodName + "Arguments";
            writer.WriteLine(s_generatedCodeAttribute);
            writer.WriteLine("internal readonly struct " + name + " : global::TaskFlow.Infrastructure.ITaskArgumentWriter");
            using (writer.OpenBlock())
            {
                foreach (var argument in arguments)
                {
                    writer.WriteLine("private readonly " + argument.Type + " " + FieldName(argument) + ";");
                }

                if (arguments.Count > 0)
                {
                    writer.WriteLine();
                    writer.WriteLine("public " + name + "(" + string.Join(", ", arguments.Select(static argument => argument.Type + " " + argument.Identifier)) + ")");
                    using (writer.OpenBlock())
                    {
                        foreach (var argument in arguments)
                        {
                            writer.WriteLine("this." + FieldName(argument) + " = " + argument.Identifier + ";");
                        }
                    }

                    writer.WriteLine();
                }

                writer.WriteLine("public void WriteTo(global::System.Text.Json.Utf8JsonWriter writer, global::System.Text.Json.JsonSerializerOptions options)");
                using (writer.OpenBlock())
                {
                    foreach (var argument in arguments)
                    {
                        writer.WriteLine("global::TaskFlow.Infrastructure.ArgumentJson.Write<" + argument.Type + ">(writer, this." + FieldName(argument) + ", options);");
                    }
                }
            }
        }

        private static string FieldName(ParameterSpec argument) => "_" + argument.Name;

        private static void WriteDescriptor(SourceWriter writer, TaskSpec task)
        {
            var arguments = task.Parameters.Where(static parameter => parameter.Kind == TaskParameterKind.Argument).ToList();
            writer.WriteLine(s_generatedCodeAttribute);
            writer.WriteLine("internal static readonly global::TaskFlow.Infrastructure.TaskDescriptor " + task.MethodName + "Descriptor = new global::TaskFlow.Infrastructure.TaskDescriptor(");
            writer.Indent();
            writer.WriteLine(Literal(task.TaskName) + ",");
            writer.WriteLine((task.Queue is null ? "null" : Literal(task.Queue)) + ",");
            writer.WriteLine(Literal(task.MethodDisplay) + ",");
            if (arguments.Count == 0)
            {
                writer.WriteLine("global::System.Array.Empty<global::TaskFlow.Infrastructure.TaskArgumentDescriptor>(),");
            }
            else
            {
                writer.WriteLine("new global::TaskFlow.Infrastructure.TaskArgumentDescriptor[]");
                using (writer.OpenBlock(","))
                {
                    foreach (var argument in arguments)
                    {
                        writer.WriteLine(
                            "new global::TaskFlow.Infrastructure.TaskArgumentDescriptor(" + Literal(argument.Name) + ", " + Literal(argument.WireName) + ", " + Literal(argument.TypeDisplay) + ", "
                            + (argument.HasDefault ? "true" : "false") + ")" + SensitiveInitializer(argument) + ",");
                    }
                }
            }

            var settings = DescriptorSettings(task);
            if (settings.Count == 0)
            {
                writer.WriteLine("static invocation => Invoke" + task.MethodName + "(invocation));");
                writer.Unindent();
                return;
            }

            writer.WriteLine("static invocation => Invoke" + task.MethodName + "(invocation))");
            writer.Unindent();
            using (writer.OpenBlock(";"))
            {
                foreach (var setting in settings)
                {
                    setting(writer);
                }
            }
        }

        /// <summary>The descriptor's optional settings (time limits, retry policy, ignored results, lease mode, no summary line), as object initializer entries.</summary>
        private static List<Action<SourceWriter>> DescriptorSettings(TaskSpec task)
        {
            var settings = new List<Action<SourceWriter>>();
            if (task.SoftTimeLimit is { } soft)
            {
                settings.Add(writer => writer.WriteLine("SoftTimeLimit = " + TimeSpanExpression(soft) + ","));
            }

            if (task.TimeLimit is { } hard)
            {
                settings.Add(writer => writer.WriteLine("TimeLimit = " + TimeSpanExpression(hard) + ","));
            }

            if (task.Retry is { } retry)
            {
                settings.Add(writer => WriteRetryPolicy(writer, retry));
            }

            if (task.IgnoreResult is { } ignoreResult)
            {
                settings.Add(writer => writer.WriteLine("IgnoreResult = " + (ignoreResult ? "true" : "false") + ","));
            }

            if (task.LongRunning)
            {
                settings.Add(writer => writer.WriteLine("LongRunning = true,"));
            }

            if (!task.LogSummary)
            {
                settings.Add(writer => writer.WriteLine("LogSummary = false,"));
            }

            if (task.MaxConcurrency > 0)
            {
                settings.Add(writer => writer.WriteLine("MaxConcurrency = " + task.MaxConcurrency.ToString(CultureInfo.InvariantCulture) + ","));
            }

            if (task.Priority > 0)
            {
                settings.Add(writer => writer.WriteLine("Priority = " + task.Priority.ToString(CultureInfo.InvariantCulture) + ","));
            }

            AddUniqueSettings(task, settings);
            AddRateLimitSetting(task, settings);
            AddOrderSetting(task, settings);
            return settings;
        }

        private static void WriteRetryPolicy(SourceWriter writer, RetrySpec retry)
        {
            writer.WriteLine("RetryPolicy = new global::TaskFlow.RetryPolicy");
            using (writer.OpenBlock(","))
            {
                writer.WriteLine("MaxRetries = " + retry.MaxRetries.ToString(CultureInfo.InvariantCulture) + ",");
                if (retry.Backoff is { } backoff)
                {
                    writer.WriteLine("Backoff = " + ConstantExpression(backoff) + ",");
                }

                if (retry.Delay is { } delay)
                {
                    writer.WriteLine("Delay = " + TimeSpanExpression(delay) + ",");
                }

                if (retry.MaxDelay is { } maxDelay)
                {
                    writer.WriteLine("MaxDelay = " + TimeSpanExpression(maxDelay) + ",");
                }

                if (retry.Jitter is { } jitter)
                {
                    writer.WriteLine("Jitter = " + (jitter ? "true" : "false") + ",");
                }

                if (retry.Schedule is { } schedule)
                {
                    writer.WriteLine("Schedule = " + (schedule.Count == 0
                        ? "global::System.Array.Empty<global::System.TimeSpan>()"
                        : "new global::System.TimeSpan[] { " + string.Join(", ", schedule.Select(ScheduleStep)) + " }") + ",");
                }

                // Exception filters become type tests: no reflection at run time.
                var retryOn = string.Join(" || ", retry.RetryOn.Select(static type => "exception is " + type));
                var doNotRetryOn = string.Join(" || ", retry.DoNotRetryOn.Select(static type => "exception is " + type));
                string? filter = (retryOn.Length, doNotRetryOn.Length) switch
                {
                    (0, 0) => null,
                    (_, 0) => retryOn,
                    (0, _) => "!(" + doNotRetryOn + ")",
                    _ => "(" + retryOn + ") && !(" + doNotRetryOn + ")",
                };
                if (filter is not null)
                {
                    writer.WriteLine("ShouldRetry = static exception => " + filter + ",");
                }
            }
        }

        private static void WriteInvoker(SourceWriter writer, TaskSpec task)
        {
            var taken = new HashSet<string>(task.Parameters.Select(static parameter => parameter.Identifier), StringComparer.Ordinal);
            var invocation = NameConventions.Unique("invocation", taken);
            taken.Add(invocation);
            var target = NameConventions.Unique("target", taken);

            var isAsync = task.ReturnKind is ReturnKind.Task or ReturnKind.TaskOfT or ReturnKind.ValueTask or ReturnKind.ValueTaskOfT;
            writer.WriteLine(s_generatedCodeAttribute);
            writer.WriteLine("private static " + (isAsync ? "async " : string.Empty) + ValueTaskOfObject + " Invoke" + task.MethodName + "(global::TaskFlow.Infrastructure.TaskInvocation " + invocation + ")");
            using (writer.OpenBlock())
            {
                var position = 0;
                var callArguments = new List<string>();
                foreach (var parameter in task.Parameters)
                {
                    switch (parameter.Kind)
                    {
                        case TaskParameterKind.Argument:
                        {
                            var index = position.ToString(CultureInfo.InvariantCulture);
                            var allowNull = parameter.IsNullable ? "true" : "false";
                            writer.WriteLine(parameter.DefaultValue is { } defaultValue
                                ? "var " + parameter.Identifier + " = " + invocation + ".Arguments.GetOrDefault<" + parameter.Type + ">(" + index + ", " + ConstantExpression(defaultValue) + ", " + allowNull + ");"
                                : "var " + parameter.Identifier + " = " + invocation + ".Arguments.Get<" + parameter.Type + ">(" + index + ", " + allowNull + ");");
                            position++;
                            callArguments.Add(parameter.Identifier + (parameter.SuppressNullableOnPass ? "!" : string.Empty));
                            break;
                        }

                        case TaskParameterKind.Service:
                            writer.WriteLine(
                                "var " + parameter.Identifier + " = " + ServiceProviderExtensions + "." + (parameter.IsNullable ? "GetService" : "GetRequiredService")
                                + "<" + parameter.Type + ">(" + invocation + ".Services);");
                            callArguments.Add(parameter.Identifier + (parameter.SuppressNullableOnPass ? "!" : string.Empty));
                            break;
                        case TaskParameterKind.Context:
                            callArguments.Add(invocation + ".Context");
                            break;
                        case TaskParameterKind.CancellationToken:
                            callArguments.Add(invocation + ".CancellationToken");
                            break;
                    }
                }

                string receiver;
                if (task.IsStatic)
                {
                    receiver = task.Container.FullyQualifiedName;
                }
                else
                {
                    writer.WriteLine("var " + target + " = " + ServiceProviderExtensions + ".GetRequiredService<" + task.Container.FullyQualifiedName + ">(" + invocation + ".Services);");
                    receiver = target;
                }

                var call = receiver + "." + task.MethodIdentifier + "(" + string.Join(", ", callArguments) + ")";
                switch (task.ReturnKind)
                {
                    case ReturnKind.Void:
                        writer.WriteLine(call + ";");
                        writer.WriteLine("return new " + ValueTaskOfObject + "((object?)null);");
                        break;
                    case ReturnKind.Value:
                        // The cast keeps a dynamic result from binding the constructor call dynamically.
                        var cast = task.ResultType is not null && task.ResultType.StartsWith("dynamic", StringComparison.Ordinal) ? "(object?)" : string.Empty;
                        writer.WriteLine("return new " + ValueTaskOfObject + "(" + cast + call + ");");
                        break;
                    case ReturnKind.Task:
                    case ReturnKind.ValueTask:
                        writer.WriteLine("await " + call + ".ConfigureAwait(false);");
                        writer.WriteLine("return null;");
                        break;
                    default:
                        writer.WriteLine("return await " + call + ".ConfigureAwait(false);");
                        break;
                }
            }
        }

        private static void WriteHeader(SourceWriter writer)
        {
            writer.WriteLine("// <auto-generated/>");
            writer.WriteLine("#nullable enable");
            writer.WriteLine();
        }

        /// <summary>Reopens the namespace and the containing types as partial, writes the body, and closes them.</summary>
        private static void WriteInContainer(SourceWriter writer, ContainerSpec container, Action body)
        {
            var blocks = new Stack<SourceWriter.Block>();
            if (container.Namespace.Length > 0)
            {
                writer.WriteLine("namespace " + string.Join(".", container.Namespace.Split('.').Select(NameConventions.ToIdentifier)));
                blocks.Push(writer.OpenBlock());
            }

            foreach (var type in container.Types)
            {
                writer.WriteLine(DeclarationKeywords(type.Kind) + " " + NameConventions.ToIdentifier(type.Name));
                blocks.Push(writer.OpenBlock());
            }

            body();
            while (blocks.Count > 0)
            {
                blocks.Pop().Dispose();
            }
        }

        private static string HintPrefix(ContainerSpec container) =>
            container.Namespace.Length > 0 ? container.Namespace + "." + container.DisplayName : container.DisplayName;

        private static string ProxyAccessibility(TaskSpec task) => task.ProxyIsPublic ? "public" : "internal";

        private static string MethodReference(TaskSpec task) =>
            task.CanReferenceMethodInDocs
                ? "<see cref=\"" + task.Container.FullyQualifiedName + "." + task.MethodIdentifier + "\"/>"
                : "<c>" + EscapeXml(task.MethodDisplay) + "</c>";

        private static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

        private static string EscapeXml(string text)
        {
            var builder = new StringBuilder(text.Length);
            foreach (var c in text)
            {
                switch (c)
                {
                    case '<':
                        builder.Append("&lt;");
                        break;
                    case '>':
                        builder.Append("&gt;");
                        break;
                    case '&':
                        builder.Append("&amp;");
                        break;
                    case '"':
                        builder.Append("&quot;");
                        break;
                    default:
                        builder.Append(c);
                        break;
                }
            }

            return builder.ToString();
        }
    }
}
