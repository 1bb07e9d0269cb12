using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using TaskFlow.Infrastructure;
using TaskFlow.Generators.Tests.Infrastructure;
using Xunit;

namespace TaskFlow.Generators.Tests;

/// <summary>
/// Compiles generated code, loads it, and uses it: the registration extension, the typed proxies over a recording
/// <see cref="ITaskClient"/>, the arguments' JSON, the descriptors, and the invokers running the user's methods.
/// </summary>
public sealed class EndToEndTests : IDisposable
{
    private const string Source = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using TaskFlow;

        namespace Signup;

        public sealed class EmailSender { public int Sent; }
        public interface IClock { DateTimeOffset Now { get; } }
        public sealed class FixedClock : IClock { public DateTimeOffset Now => new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero); }

        public static partial class SignupTasks
        {
            public static string? LastCall;

            [Task(Queue = "emails")]
            public static async Task SendWelcomeEmail(int userId, [FromServices] EmailSender sender, IClock clock, TaskContext context, CancellationToken cancellationToken)
            {
                await Task.Yield();
                sender.Sent++;
                LastCall = "welcome " + userId + " at " + clock.Now.Year + " task " + context.TaskName + " cancellable " + cancellationToken.CanBeCanceled;
            }

            [Task(Name = "scoring.calculate")]
            public static Task<int> CalculateScore(long userId, string? reason = null)
            {
                LastCall = "score " + userId + " " + (reason ?? "<none>");
                return Task.FromResult((int)userId * 2);
            }
        }

        public static partial class PolicyTasks
        {
            [Task(SoftTimeLimitSeconds = 1.5, TimeLimitSeconds = 3)]
            [Retry(4, Backoff = RetryBackoff.Fixed, DelaySeconds = 2, Jitter = false, RetryOn = new[] { typeof(TimeoutException) }, DoNotRetryOn = new[] { typeof(OperationCanceledException) })]
            public static void Guarded() { }

            [Task(LongRunning = true, TimeLimitSeconds = 7200, LogSummary = false, Priority = 7)]
            public static void Import() { }
        }

        public enum NoteKind { Text, Checklist }

        public static partial class NoteTasks
        {
            [Task(EntityKey = "note:{noteId}/{kind}/{weight}/{day}/{{v1}}", IgnoreResult = true)]
            public static int Copy(int noteId, NoteKind kind, decimal weight, DateOnly day, IClock clock, int copies = 1) => copies;

            [Task(MaxConcurrency = 2, ConcurrencyKey = "tenant:{tenant}", RateLimit = "20/s", RateLimitKey = "export:{tenant}/{noteId}", RateLimitBurst = 3)]
            public static void Export(string tenant, int noteId) { }

            [Task(MaxConcurrency = 1, RateLimit = "100/m")]
            public static void Reindex() { }

            [Task(Unique = "export:{tenant}", UniqueFor = 300, UniqueScope = UniqueScope.WhilePending)]
            public static void ExportOnce(string tenant, int noteId) { }

            [Task(Ordered = true, OrderKey = "account:{tenant}/{noteId}")]
            public static void Post(string tenant, int noteId) { }

            [Task(Ordered = true)]
            public static void Settle() { }
        }

        public partial class Counter
        {
            private int _count;

            [Task]
            public int Increment(int by) => _count += by;
        }
        """;

    private readonly AssemblyLoadContext _context = new("TaskFlow.Generators.EndToEnd", isCollectible: true);
    private readonly Assembly _assembly;

    public EndToEndTests()
    {
        var run = GeneratorHarness.RunAndCompile(Source, assemblyName: "Signup.Tasks");
        using var stream = new MemoryStream();
        var emitted = run.Output.Emit(stream);
        emitted.Success.ShouldBeTrue(string.Join(Environment.NewLine, emitted.Diagnostics));
        stream.Position = 0;
        _assembly = _context.LoadFromStream(stream);
    }

    public void Dispose() => _context.Unload();

    [Fact]
    public void Registration_extension_registers_every_task_and_the_clients()
    {
        var extensions = _assembly.GetType("TaskFlow.SignupTasksTaskFlowBuilderExtensions", throwOnError: true)!;
        extensions.IsAbstract.ShouldBeTrue();
        extensions.IsSealed.ShouldBeTrue();
        var add = extensions.GetMethod("AddSignupTasks", BindingFlags.Public | BindingFlags.Static)!;
        add.IsDefined(typeof(ExtensionAttribute)).ShouldBeTrue();
        add.ReturnType.ShouldBe(typeof(TaskFlowBuilder));
        add.GetParameters().Single().ParameterType.ShouldBe(typeof(TaskFlowBuilder));

        var services = new ServiceCollection();
        var registry = Internals.Create<TaskRegistry>();
        var builder = Internals.Create<TaskFlowBuilder>(services, registry);
        add.Invoke(null, new object[] { builder }).ShouldBeSameAs(builder);

        registry.Tasks.Select(task => task.Name).Order(StringComparer.Ordinal)
            .ShouldBe(new[] { "scoring.calculate", "signup.counter.increment", "signup.note_tasks.copy", "signup.note_tasks.export", "signup.note_tasks.export_once", "signup.note_tasks.post", "signup.note_tasks.reindex", "signup.note_tasks.settle", "signup.policy_tasks.guarded", "signup.policy_tasks.import", "signup.signup_tasks.send_welcome_email" });
        services.ShouldContain(service => service.ServiceType == _assembly.GetType("Signup.SignupTasks+Client") && service.Lifetime == ServiceLifetime.Singleton);
        services.ShouldContain(service => service.ServiceType == _assembly.GetType("Signup.Counter+Client") && service.Lifetime == ServiceLifetime.Singleton);
        services.ShouldContain(service => service.ServiceType == _assembly.GetType("Signup.Counter") && service.Lifetime == ServiceLifetime.Scoped);

        // Registering twice is harmless: the same descriptors, TryAdd for services.
        add.Invoke(null, new object[] { builder });
        registry.Tasks.Count.ShouldBe(11);
        services.Count.ShouldBe(5);
    }

    [Fact]
    public void Descriptors_describe_the_tasks()
    {
        var welcome = Descriptor("Signup.SignupTasks+Client", "SendWelcomeEmailDescriptor");
        welcome.Name.ShouldBe("signup.signup_tasks.send_welcome_email");
        welcome.Queue.ShouldBe("emails");
        welcome.Method.ShouldBe("Signup.SignupTasks.SendWelcomeEmail(int, Signup.EmailSender, Signup.IClock, TaskFlow.TaskContext, System.Threading.CancellationToken)");
        welcome.Arguments.ShouldBe(new[] { new TaskArgumentDescriptor("userId", "user_id", "int", false) });
        welcome.RequiredArgumentCount.ShouldBe(1);

        var score = Descriptor("Signup.SignupTasks+Client", "CalculateScoreDescriptor");
        score.Name.ShouldBe("scoring.calculate");
        score.Queue.ShouldBeNull();
        score.Arguments.ShouldBe(new[] { new TaskArgumentDescriptor("userId", "user_id", "long", false), new TaskArgumentDescriptor("reason", "reason", "string?", true) });
        score.RequiredArgumentCount.ShouldBe(1);
    }

    [Fact]
    public void Time_limits_and_retry_policy_reach_the_descriptor()
    {
        var guarded = Descriptor("Signup.PolicyTasks+Client", "GuardedDescriptor");
        guarded.SoftTimeLimit.ShouldBe(TimeSpan.FromSeconds(1.5));
        guarded.TimeLimit.ShouldBe(TimeSpan.FromSeconds(3));
        var policy = guarded.RetryPolicy.ShouldNotBeNull();
        policy.MaxRetries.ShouldBe(4);
        policy.Backoff.ShouldBe(RetryBackoff.Fixed);
        policy.Delay.ShouldBe(TimeSpan.FromSeconds(2));
        policy.MaxDelay.ShouldBe(new RetryPolicy().MaxDelay);
        policy.Jitter.ShouldBeFalse();
        policy.Allows(new TimeoutException(), retries: 0).ShouldBeTrue();
        policy.Allows(new InvalidOperationException(), retries: 0).ShouldBeFalse();
        policy.Allows(new TaskCanceledException(), retries: 0).ShouldBeFalse();
        policy.Allows(new TimeoutException(), retries: 4).ShouldBeFalse();

        var plain = Descriptor("Signup.SignupTasks+Client", "SendWelcomeEmailDescriptor");
        plain.RetryPolicy.ShouldBeNull();
        plain.SoftTimeLimit.ShouldBeNull();
        plain.TimeLimit.ShouldBeNull();
    }

    [Fact]
    public async Task DelayAsync_enqueues_the_descriptor_with_positional_arguments()
    {
        var recorder = new RecordingTaskClient();
        var proxy = Proxy("Signup.SignupTasks+Client", "SendWelcomeEmail", recorder);

        var pending = (ValueTask<TaskHandle>)proxy.GetType().GetMethod("DelayAsync")!.Invoke(proxy, new object[] { 42, CancellationToken.None })!;
        var handle = await pending;

        handle.TaskName.ShouldBe("signup.signup_tasks.send_welcome_email");
        var call = recorder.Calls.Single();
        call.Task.ShouldBeSameAs(Descriptor("Signup.SignupTasks+Client", "SendWelcomeEmailDescriptor"));
        call.ArgumentsJson.ShouldBe("[42]");
        call.Options.ShouldBeNull();
    }

    [Fact]
    public async Task ApplyAsync_of_a_task_with_a_result_returns_a_typed_handle()
    {
        var recorder = new RecordingTaskClient();
        var proxy = Proxy("Signup.SignupTasks+Client", "CalculateScore", recorder);
        var apply = proxy.GetType().GetMethod("ApplyAsync")!;
        apply.GetParameters().Select(parameter => parameter.Name).ShouldBe(new[] { "userId", "options", "reason", "cancellationToken" });
        apply.ReturnType.ShouldBe(typeof(ValueTask<TaskHandle<int>>));

        var options = new SendOptions { TaskId = "fixed-id" };
        var handle = await (ValueTask<TaskHandle<int>>)apply.Invoke(proxy, new object?[] { 7L, options, "why \"not\"", CancellationToken.None })!;

        handle.ShouldBeOfType<TaskHandle<int>>().Id.ShouldBe("fixed-id");
        var call = recorder.Calls.Single();
        call.ArgumentsJson.ShouldBe("[7,\"why \\u0022not\\u0022\"]");
        call.Options.ShouldBeSameAs(options);

        var delay = proxy.GetType().GetMethod("DelayAsync")!;
        var reason = delay.GetParameters()[1];
        reason.HasDefaultValue.ShouldBeTrue();
        reason.DefaultValue.ShouldBeNull();
    }

    [Fact]
    public void Declared_ignore_result_reaches_the_descriptor()
    {
        Descriptor("Signup.NoteTasks+Client", "CopyDescriptor").IgnoreResult.ShouldBe(true);
        Descriptor("Signup.SignupTasks+Client", "SendWelcomeEmailDescriptor").IgnoreResult.ShouldBeNull();
    }

    [Fact]
    public void Declared_long_running_reaches_the_descriptor()
    {
        var import = Descriptor("Signup.PolicyTasks+Client", "ImportDescriptor");
        import.LongRunning.ShouldBeTrue();
        import.TimeLimit.ShouldBe(TimeSpan.FromHours(2));
        Descriptor("Signup.PolicyTasks+Client", "GuardedDescriptor").LongRunning.ShouldBeFalse();
    }

    [Fact]
    public void Declared_log_summary_reaches_the_descriptor()
    {
        Descriptor("Signup.PolicyTasks+Client", "ImportDescriptor").LogSummary.ShouldBeFalse("[Task(LogSummary = false)]");
        Descriptor("Signup.PolicyTasks+Client", "GuardedDescriptor").LogSummary.ShouldBeTrue("the default");
    }

    [Fact]
    public async Task Declared_concurrency_limit_reaches_the_descriptor_and_its_key_fills_the_options()
    {
        Descriptor("Signup.NoteTasks+Client", "ExportDescriptor").MaxConcurrency.ShouldBe(2);
        Descriptor("Signup.NoteTasks+Client", "ReindexDescriptor").MaxConcurrency.ShouldBe(1);
        Descriptor("Signup.NoteTasks+Client", "CopyDescriptor").MaxConcurrency.ShouldBe(0, "the default: no limit");

        var recorder = new RecordingTaskClient();
        var proxy = Proxy("Signup.NoteTasks+Client", "Export", recorder);
        await (ValueTask<TaskHandle>)proxy.GetType().GetMethod("DelayAsync")!.Invoke(proxy, new object[] { "acme", 7, CancellationToken.None })!;
        recorder.Calls[^1].Options.ShouldNotBeNull().ConcurrencyKey.ShouldBe("tenant:acme");
        await (ValueTask<TaskHandle>)proxy.GetType().GetMethod("ApplyAsync")!.Invoke(proxy, new object[] { "acme", 7, new SendOptions { ConcurrencyKey = "tenant:other" }, CancellationToken.None })!;
        recorder.Calls[^1].Options.ShouldNotBeNull().ConcurrencyKey.ShouldBe("tenant:other", "an explicit key wins");
    }

    [Fact]
    public async Task Declared_unique_key_reaches_the_descriptor_and_its_key_fills_the_options()
    {
        var descriptor = Descriptor("Signup.NoteTasks+Client", "ExportOnceDescriptor");
        descriptor.Unique.ShouldBe("export:{tenant}");
        descriptor.UniqueScope.ShouldBe(UniqueScope.WhilePending);
        descriptor.UniqueFor.ShouldBe(TimeSpan.FromSeconds(300));
        var plain = Descriptor("Signup.NoteTasks+Client", "ExportDescriptor");
        plain.Unique.ShouldBeNull();
        plain.UniqueFor.ShouldBeNull();

        var recorder = new RecordingTaskClient();
        var proxy = Proxy("Signup.NoteTasks+Client", "ExportOnce", recorder);
        await (ValueTask<TaskHandle>)proxy.GetType().GetMethod("DelayAsync")!.Invoke(proxy, new object[] { "acme", 7, CancellationToken.None })!;
        recorder.Calls[^1].Options.ShouldNotBeNull().UniqueKey.ShouldBe("export:acme");
        await (ValueTask<TaskHandle>)proxy.GetType().GetMethod("ApplyAsync")!.Invoke(proxy, new object[] { "acme", 7, new SendOptions { UniqueKey = "export:other" }, CancellationToken.None })!;
        recorder.Calls[^1].Options.ShouldNotBeNull().UniqueKey.ShouldBe("export:other", "an explicit key wins");
    }

    [Fact]
    public void Declared_priority_reaches_the_descriptor()
    {
        Descriptor("Signup.PolicyTasks+Client", "ImportDescriptor").Priority.ShouldBe((byte)7, "[Task(Priority = 7)]");
        Descriptor("Signup.PolicyTasks+Client", "GuardedDescriptor").Priority.ShouldBe((byte)0, "the default: no priority");
    }

    [Fact]
    public async Task Declared_entity_key_and_ignore_result_fill_the_options_a_call_leaves_unset()
    {
        // A culture whose numbers and dates differ from the invariant one: the key must not depend on the sender's culture.
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NegativeSign = "~";
        culture.DateTimeFormat.ShortDatePattern = "dd.MM.yyyy";
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = culture;
        try
        {
            var recorder = new RecordingTaskClient();
            var proxy = Proxy("Signup.NoteTasks+Client", "Copy", recorder);
            var checklist = Enum.Parse(_assembly.GetType("Signup.NoteKind", throwOnError: true)!, "Checklist");
            var day = new DateOnly(2024, 3, 9);
            var delay = proxy.GetType().GetMethod("DelayAsync")!;
            var apply = proxy.GetType().GetMethod("ApplyAsync")!;
            apply.GetParameters().Select(parameter => parameter.Name).ShouldBe(new[] { "noteId", "kind", "weight", "day", "options", "copies", "cancellationToken" });

            // DelayAsync: the declared key, from the arguments, and no result.
            await (ValueTask<TaskHandle<int>>)delay.Invoke(proxy, new object[] { -42, checklist, 12.5m, day, 3, CancellationToken.None })!;
            var sent = recorder.Calls[^1];
            sent.ArgumentsJson.ShouldBe("[-42,1,12.5,\"2024-03-09\",3]");
            sent.Options.ShouldNotBeNull().EntityKey.ShouldBe("note:-42/Checklist/12.5/2024-03-09/{v1}");
            sent.Options.IgnoreResult.ShouldBe(true);

            // ApplyAsync: what the call set is kept, the rest is filled in, and the caller's options are not changed.
            var headers = new Dictionary<string, object?> { ["tenant"] = "acme" };
            var options = new SendOptions { TaskId = "t-1", Queue = "notes", Countdown = TimeSpan.FromSeconds(5), Priority = 3, Headers = headers, ParentId = "p-1", RootId = "r-1" };
            await (ValueTask<TaskHandle<int>>)apply.Invoke(proxy, new object[] { 7, checklist, 0.5m, day, options, 1, CancellationToken.None })!;
            sent = recorder.Calls[^1];
            sent.Options.ShouldNotBeSameAs(options);
            sent.Options.ShouldNotBeNull().EntityKey.ShouldBe("note:7/Checklist/0.5/2024-03-09/{v1}");
            sent.Options.IgnoreResult.ShouldBe(true);
            sent.Options.TaskId.ShouldBe("t-1");
            sent.Options.Queue.ShouldBe("notes");
            sent.Options.Countdown.ShouldBe(TimeSpan.FromSeconds(5));
            sent.Options.Priority.ShouldBe((byte)3);
            sent.Options.Headers.ShouldBeSameAs(headers);
            sent.Options.ParentId.ShouldBe("p-1");
            sent.Options.RootId.ShouldBe("r-1");
            options.EntityKey.ShouldBeNull();
            options.IgnoreResult.ShouldBeNull();

            // Explicit values win.
            await (ValueTask<TaskHandle<int>>)apply.Invoke(proxy, new object[] { 7, checklist, 0.5m, day, new SendOptions { EntityKey = "note:other", IgnoreResult = false }, 1, CancellationToken.None })!;
            sent = recorder.Calls[^1];
            sent.Options.ShouldNotBeNull().EntityKey.ShouldBe("note:other");
            sent.Options.IgnoreResult.ShouldBe(false);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public async Task Invokers_bind_arguments_inject_services_and_run_the_methods()
    {
        var sender = Activator.CreateInstance(_assembly.GetType("Signup.EmailSender", throwOnError: true)!)!;
        var clock = Activator.CreateInstance(_assembly.GetType("Signup.FixedClock", throwOnError: true)!)!;
        var counterType = _assembly.GetType("Signup.Counter", throwOnError: true)!;
        var counter = Activator.CreateInstance(counterType)!;
        var services = new Dictionary<Type, object>
        {
            [sender.GetType()] = sender,
            [_assembly.GetType("Signup.IClock", throwOnError: true)!] = clock,
            [counterType] = counter,
        };
        var provider = new DictionaryServiceProvider(services);
        var lastCall = _assembly.GetType("Signup.SignupTasks", throwOnError: true)!.GetField("LastCall")!;

        var welcome = Descriptor("Signup.SignupTasks+Client", "SendWelcomeEmailDescriptor");
        (await welcome.Invoker(Invocation(welcome, "[42]", "{}", provider))).ShouldBeNull();
        lastCall.GetValue(null).ShouldBe("welcome 42 at 2024 task signup.signup_tasks.send_welcome_email cancellable True");
        sender.GetType().GetField("Sent")!.GetValue(sender).ShouldBe(1);

        var score = Descriptor("Signup.SignupTasks+Client", "CalculateScoreDescriptor");
        (await score.Invoker(Invocation(score, "[21]", "{}", provider))).ShouldBe(42);
        lastCall.GetValue(null).ShouldBe("score 21 <none>");
        (await score.Invoker(Invocation(score, "[]", "{\"user_id\": 5, \"reason\": \"kw\"}", provider))).ShouldBe(10);
        lastCall.GetValue(null).ShouldBe("score 5 kw");

        var increment = Descriptor("Signup.Counter+Client", "IncrementDescriptor");
        (await increment.Invoker(Invocation(increment, "[2]", "{}", provider))).ShouldBe(2);
        (await increment.Invoker(Invocation(increment, "[3]", "{}", provider))).ShouldBe(5);

        await Should.ThrowAsync<TaskArgumentException>(async () => await score.Invoker(Invocation(score, "[null]", "{}", provider)));
    }

    private TaskDescriptor Descriptor(string client, string field) =>
        (TaskDescriptor)_assembly.GetType(client, throwOnError: true)!.GetField(field, BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

    private object Proxy(string client, string task, ITaskClient taskClient)
    {
        var instance = Activator.CreateInstance(_assembly.GetType(client, throwOnError: true)!, taskClient)!;
        return instance.GetType().GetProperty(task)!.GetValue(instance)!;
    }

    private static TaskInvocation Invocation(TaskDescriptor task, string args, string kwargs, IServiceProvider services)
    {
        var arguments = Internals.Create<TaskArgumentReader>(task, JsonDocument.Parse(args).RootElement, JsonDocument.Parse(kwargs).RootElement, JsonSerializerOptions.Default);
        using var cancellation = new CancellationTokenSource();
        // Strings fill the string parameters in order: task id, task name, queue.
        var context = Internals.Create<TaskContext>(services, cancellation.Token, "task-id", task.Name, task.Queue ?? "default");
        return Internals.Create<TaskInvocation>(arguments, context);
    }

    private sealed class RecordingTaskClient : ITaskClient
    {
        public List<(TaskDescriptor Task, string ArgumentsJson, SendOptions? Options)> Calls { get; } = new();

        public ValueTask<TaskHandle> SendAsync<TArguments>(TaskDescriptor task, TArguments arguments, SendOptions? options = null, CancellationToken cancellationToken = default)
            where TArguments : ITaskArgumentWriter
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartArray();
                arguments.WriteTo(writer, JsonSerializerOptions.Default);
                writer.WriteEndArray();
            }

            Calls.Add((task, Encoding.UTF8.GetString(buffer.ToArray()), options));
            return new ValueTask<TaskHandle>(new TaskHandle(options?.TaskId ?? "id-" + Calls.Count, task.Name, task.Queue ?? "default"));
        }
    }

    private sealed class DictionaryServiceProvider(Dictionary<Type, object> services) : IServiceProvider
    {
        public object? GetService(Type serviceType) => services.GetValueOrDefault(serviceType);
    }

    [Fact]
    public async Task DelayManyAsync_and_ApplyManyAsync_fill_the_declared_keys_per_item()
    {
        var recorder = new RecordingTaskClient();
        var proxy = Proxy("Signup.NoteTasks+Client", "Export", recorder);
        var delayMany = proxy.GetType().GetMethod("DelayManyAsync")!;
        delayMany.GetParameters()[0].ParameterType.ShouldBe(typeof(IEnumerable<(string, int)>));
        delayMany.ReturnType.ShouldBe(typeof(ValueTask<IReadOnlyList<TaskHandle>>));

        var items = new List<(string Tenant, int NoteId)> { ("acme", 1), ("beta", 2), ("acme", 3) };
        var handles = await (ValueTask<IReadOnlyList<TaskHandle>>)delayMany.Invoke(proxy, new object[] { items, CancellationToken.None })!;

        handles.Select(handle => handle.Id).ShouldBe(new[] { "id-1", "id-2", "id-3" }, "one handle per item, in order");
        recorder.Calls.Select(call => call.ArgumentsJson).ShouldBe(new[] { "[\"acme\",1]", "[\"beta\",2]", "[\"acme\",3]" });
        recorder.Calls.Select(call => call.Options!.ConcurrencyKey).ShouldBe(new[] { "tenant:acme", "tenant:beta", "tenant:acme" });
        recorder.Calls.Select(call => call.Options!.RateLimitKey).ShouldBe(new[] { "export:acme/1", "export:beta/2", "export:acme/3" });

        recorder.Calls.Clear();
        var applyMany = proxy.GetType().GetMethod("ApplyManyAsync")!;
        var shared = new SendOptions { RateLimitKey = "mine", Queue = "exports" };
        await (ValueTask<IReadOnlyList<TaskHandle>>)applyMany.Invoke(proxy, new object[] { items, shared, CancellationToken.None })!;
        recorder.Calls.Select(call => call.Options!.RateLimitKey).ShouldBe(new[] { "mine", "mine", "mine" }, "an explicit key wins");
        recorder.Calls.Select(call => call.Options!.ConcurrencyKey).ShouldBe(new[] { "tenant:acme", "tenant:beta", "tenant:acme" }, "the other declared key is still filled per item");
        recorder.Calls.ShouldAllBe(call => call.Options!.Queue == "exports");
        shared.ConcurrencyKey.ShouldBeNull("the caller's options are not changed");

        // Unique keys too: one template, one key per item.
        recorder.Calls.Clear();
        var once = Proxy("Signup.NoteTasks+Client", "ExportOnce", recorder);
        await (ValueTask<IReadOnlyList<TaskHandle>>)once.GetType().GetMethod("DelayManyAsync")!.Invoke(once, new object[] { items, CancellationToken.None })!;
        recorder.Calls.Select(call => call.Options!.UniqueKey).ShouldBe(new[] { "export:acme", "export:beta", "export:acme" });
    }

    [Fact]
    public async Task Batch_methods_take_values_for_one_argument_tuples_for_more_and_a_count_for_none()
    {
        var recorder = new RecordingTaskClient();

        // One argument: the plain values; a task with a result: typed handles.
        var counter = Proxy("Signup.Counter+Client", "Increment", recorder);
        var increment = counter.GetType().GetMethod("DelayManyAsync")!;
        increment.GetParameters()[0].ParameterType.ShouldBe(typeof(IEnumerable<int>));
        var typed = await (ValueTask<IReadOnlyList<TaskHandle<int>>>)increment.Invoke(counter, new object[] { new[] { 5, 6 }, CancellationToken.None })!;
        typed.Count.ShouldBe(2);
        typed.ShouldAllBe(handle => handle is TaskHandle<int>);
        recorder.Calls.Select(call => call.ArgumentsJson).ShouldBe(new[] { "[5]", "[6]" });

        // Optional arguments are tuple elements like the others (a lazily enumerated sequence is fine).
        recorder.Calls.Clear();
        var score = Proxy("Signup.SignupTasks+Client", "CalculateScore", recorder);
        var scoreMany = score.GetType().GetMethod("DelayManyAsync")!;
        scoreMany.GetParameters()[0].ParameterType.ShouldBe(typeof(IEnumerable<(long, string)>));
        IEnumerable<(long, string?)> lazy = Enumerable.Range(1, 3).Select(i => ((long)i, i == 2 ? null : "r" + i));
        await (ValueTask<IReadOnlyList<TaskHandle<int>>>)scoreMany.Invoke(score, new object[] { lazy, CancellationToken.None })!;
        recorder.Calls.Select(call => call.ArgumentsJson).ShouldBe(new[] { "[1,\"r1\"]", "[2,null]", "[3,\"r3\"]" });

        // No arguments: how many.
        recorder.Calls.Clear();
        var reindex = Proxy("Signup.NoteTasks+Client", "Reindex", recorder);
        var reindexMany = reindex.GetType().GetMethod("DelayManyAsync")!;
        reindexMany.GetParameters()[0].ParameterType.ShouldBe(typeof(int));
        (await (ValueTask<IReadOnlyList<TaskHandle>>)reindexMany.Invoke(reindex, new object[] { 4, CancellationToken.None })!).Count.ShouldBe(4);
        recorder.Calls.Count.ShouldBe(4);
        recorder.Calls.ShouldAllBe(call => call.ArgumentsJson == "[]");

        // Entity keys per item, with ApplyManyAsync's shared options kept.
        recorder.Calls.Clear();
        var copy = Proxy("Signup.NoteTasks+Client", "Copy", recorder);
        var checklist = Enum.Parse(_assembly.GetType("Signup.NoteKind", throwOnError: true)!, "Checklist");
        var tupleType = copy.GetType().GetMethod("ApplyManyAsync")!.GetParameters()[0].ParameterType.GetGenericArguments()[0];
        var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(tupleType))!;
        var day = new DateOnly(2024, 3, 9);
        list.Add(Activator.CreateInstance(tupleType, 1, checklist, 1.5m, day, 1));
        list.Add(Activator.CreateInstance(tupleType, 2, checklist, 2.5m, day, 2));
        await (ValueTask<IReadOnlyList<TaskHandle<int>>>)copy.GetType().GetMethod("ApplyManyAsync")!.Invoke(copy, new object[] { list, new SendOptions { Priority = 2 }, CancellationToken.None })!;
        recorder.Calls.Select(call => call.Options!.EntityKey).ShouldBe(new[] { "note:1/Checklist/1.5/2024-03-09/{v1}", "note:2/Checklist/2.5/2024-03-09/{v1}" });
        recorder.Calls.ShouldAllBe(call => call.Options!.Priority == 2 && call.Options.IgnoreResult == true);
    }

    [Fact]
    public async Task Declared_rate_limit_reaches_the_descriptor_and_its_key_fills_the_options()
    {
        Descriptor("Signup.NoteTasks+Client", "ExportDescriptor").RateLimit.ShouldBe(new TaskRateLimit(20, TimeSpan.FromSeconds(1), burst: 3));
        Descriptor("Signup.NoteTasks+Client", "ReindexDescriptor").RateLimit.ShouldBe(TaskRateLimit.Parse("100/m"));
        Descriptor("Signup.NoteTasks+Client", "CopyDescriptor").RateLimit.ShouldBeNull("the default: no limit");

        var recorder = new RecordingTaskClient();
        var proxy = Proxy("Signup.NoteTasks+Client", "Export", recorder);
        await (ValueTask<TaskHandle>)proxy.GetType().GetMethod("DelayAsync")!.Invoke(proxy, new object[] { "acme", 7, CancellationToken.None })!;
        recorder.Calls[^1].Options.ShouldNotBeNull().RateLimitKey.ShouldBe("export:acme/7");
        await (ValueTask<TaskHandle>)proxy.GetType().GetMethod("ApplyAsync")!.Invoke(proxy, new object[] { "acme", 7, new SendOptions { RateLimitKey = "mine" }, CancellationToken.None })!;
        recorder.Calls[^1].Options.ShouldNotBeNull().RateLimitKey.ShouldBe("mine", "an explicit key wins");
        recorder.Calls[^1].Options!.ConcurrencyKey.ShouldBe("tenant:acme", "the other declared key is still filled in");
    }

    [Fact]
    public async Task Declared_order_reaches_the_descriptor_and_its_key_fills_the_options()
    {
        Descriptor("Signup.NoteTasks+Client", "PostDescriptor").Ordered.ShouldBeTrue();
        Descriptor("Signup.NoteTasks+Client", "SettleDescriptor").Ordered.ShouldBeTrue("Ordered without a key: the task as a whole is one sequence");
        Descriptor("Signup.NoteTasks+Client", "CopyDescriptor").Ordered.ShouldBeFalse("the default: not ordered");

        var recorder = new RecordingTaskClient();
        var proxy = Proxy("Signup.NoteTasks+Client", "Post", recorder);
        await (ValueTask<TaskHandle>)proxy.GetType().GetMethod("DelayAsync")!.Invoke(proxy, new object[] { "acme", 7, CancellationToken.None })!;
        recorder.Calls[^1].Options.ShouldNotBeNull().OrderKey.ShouldBe("account:acme/7");
        await (ValueTask<TaskHandle>)proxy.GetType().GetMethod("ApplyAsync")!.Invoke(proxy, new object[] { "acme", 7, new SendOptions { OrderKey = "mine", Priority = 3 }, CancellationToken.None })!;
        recorder.Calls[^1].Options.ShouldNotBeNull().OrderKey.ShouldBe("mine", "an explicit key wins");
        recorder.Calls[^1].Options!.Priority.ShouldBe((byte)3, "the call's other options are kept");

        var settleRecorder = new RecordingTaskClient();
        var settle = Proxy("Signup.NoteTasks+Client", "Settle", settleRecorder);
        await (ValueTask<TaskHandle>)settle.GetType().GetMethod("DelayAsync")!.Invoke(settle, new object[] { CancellationToken.None })!;
        (settleRecorder.Calls[^1].Options?.OrderKey).ShouldBeNull("no template: the envelope orders it per task (task:{name}) from the descriptor");
    }
}

/// <summary>
/// Builds runtime objects whose constructors are internal (they are made by the worker): each constructor
/// parameter takes the first given value of a fitting type (a string goes to the first string parameter), or a
/// neutral value. Tolerant of parameters being added or reordered.
/// </summary>
internal static class Internals
{
    public static T Create<T>(params object[] values)
    {
        var constructor = typeof(T).GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            .OrderByDescending(candidate => candidate.GetParameters().Length)
            .First();
        var remaining = values.ToList();
        var arguments = constructor.GetParameters().Select(parameter =>
        {
            var index = remaining.FindIndex(value => parameter.ParameterType.IsInstanceOfType(value));
            if (index >= 0)
            {
                var value = remaining[index];
                remaining.RemoveAt(index);
                return value;
            }

            return Neutral(parameter.ParameterType);
        }).ToArray();
        return (T)constructor.Invoke(arguments);
    }

    private static object? Neutral(Type type)
    {
        if (type == typeof(string))
        {
            return "test";
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            return Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(type.GetGenericArguments()));
        }

        return type.IsValueType ? Activator.CreateInstance(type) : null;
    }
}
