using System.Linq;
using Microsoft.CodeAnalysis;
using Shouldly;
using TaskFlow.Generators.Tests.Infrastructure;
using Xunit;

namespace TaskFlow.Generators.Tests;

/// <summary>
/// The generated sources, compared with baselines, for every shape the generator supports. Every case also
/// compiles together with its input with no error or warning.
/// </summary>
public class GeneratedSourceTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using TaskFlow;

        """;

    [Fact]
    public void Signup_example_from_the_docs()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Signup;

            public sealed class EmailSender { }
            public interface IClock { DateTimeOffset Now { get; } }

            public static partial class SignupTasks
            {
                [Task(Queue = "emails")]
                public static async Task SendWelcomeEmail(int userId, [FromServices] EmailSender sender, IClock clock, TaskContext context, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                }

                [Task(Name = "scoring.calculate")]
                public static Task<int> CalculateScore(long userId, string? reason = null) => Task.FromResult((int)userId);
            }
            """, assemblyName: "Signup.Tasks");

        run.HintNames.ShouldBe(new[]
        {
            "Signup.SignupTasks.CalculateScore.g.cs",
            "Signup.SignupTasks.SendWelcomeEmail.g.cs",
            "Signup.SignupTasks.g.cs",
            "TaskFlow.SignupTasks.Registration.g.cs",
        });
        run.Source("TaskFlow.SignupTasks.Registration.g.cs").ShouldContain("AddSignupTasks(this global::TaskFlow.TaskFlowBuilder builder)");
        Baseline.Verify(nameof(Signup_example_from_the_docs), run);
    }

    [Fact]
    public void Instance_methods_resolve_the_container_from_DI()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Billing;

            public interface IInvoiceStore { Task SaveAsync(int id, CancellationToken cancellationToken); }

            public partial class InvoiceTasks
            {
                private readonly IInvoiceStore _store;

                public InvoiceTasks(IInvoiceStore store) => _store = store;

                [Task]
                public Task Issue(int invoiceId, CancellationToken cancellationToken) => _store.SaveAsync(invoiceId, cancellationToken);

                [Task]
                internal int Count(int invoiceId) => invoiceId;

                [Task]
                public static void Ping() { }
            }
            """, assemblyName: "Billing");

        run.Source("TaskFlow.Billing.Registration.g.cs").ShouldContain("TryAddScoped<global::Billing.InvoiceTasks>(builder.Services);");
        Baseline.Verify(nameof(Instance_methods_resolve_the_container_from_DI), run);
    }

    [Fact]
    public void Nested_containers_of_every_kind()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Shop.Orders;

            public static partial class Outer
            {
                internal partial class Inner
                {
                    [Task]
                    public static Task Ship(int orderId) => Task.CompletedTask;
                }

                public partial struct Totals
                {
                    [Task]
                    public static decimal Sum(decimal[] amounts) => 0m;
                }

                public partial record Audit(string Who)
                {
                    [Task]
                    public static void Record(string who) { }
                }

                public partial record struct Point(int X, int Y)
                {
                    [Task]
                    public static int Length(int x, int y) => x + y;
                }

                public partial interface IHooks
                {
                    [Task]
                    public static ValueTask Notify(string message) => default;
                }

                public ref partial struct Scanner
                {
                    [Task]
                    public static bool Scan(string text) => text.Length > 0;
                }
            }
            """, assemblyName: "Shop");

        run.HintNames.ShouldContain("Shop.Orders.Outer.Inner.Ship.g.cs");
        run.HintNames.ShouldContain("Shop.Orders.Outer.Inner.g.cs");
        run.Source("Shop.Orders.Outer.Inner.Ship.g.cs").ShouldContain("\"shop.orders.outer.inner.ship\"");
        Baseline.Verify(nameof(Nested_containers_of_every_kind), run);
    }

    [Fact]
    public void Global_namespace()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            public static partial class GlobalTasks
            {
                [Task]
                public static void Run(int count) { }
            }
            """, assemblyName: "MyApp.Worker");

        run.HintNames.ShouldBe(new[]
        {
            "GlobalTasks.Run.g.cs",
            "GlobalTasks.g.cs",
            "TaskFlow.MyAppWorker.Registration.g.cs",
        });
        run.Source("GlobalTasks.Run.g.cs").ShouldContain("\"global_tasks.run\"");
        run.Source("TaskFlow.MyAppWorker.Registration.g.cs").ShouldContain("AddMyAppWorkerTasks(");
        Baseline.Verify(nameof(Global_namespace), run);
    }

    [Fact]
    public void Every_return_kind()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Returns;

            public sealed record Report(string Title);

            public static partial class ReturnTasks
            {
                [Task] public static void Void(int a) { }
                [Task] public static int Value(int a) => a;
                [Task] public static string? NullableValue(int a) => null;
                [Task] public static Report Record(int a) => new Report("r");
                [Task] public static Task Task(int a) => System.Threading.Tasks.Task.CompletedTask;
                [Task] public static async Task<int> TaskOfT(int a) { await System.Threading.Tasks.Task.Yield(); return a; }
                [Task] public static Task<Report?> TaskOfNullable(int a) => System.Threading.Tasks.Task.FromResult<Report?>(null);
                [Task] public static ValueTask ValueTask(int a) => default;
                [Task] public static ValueTask<long> ValueTaskOfT(int a) => new ValueTask<long>(a);
                [Task] public static List<int> Collection() => new List<int>();
                [Task] public static int? NullableStruct() => null;
            }
            """, assemblyName: "Returns");

        Baseline.Verify(nameof(Every_return_kind), run);
    }

    [Fact]
    public void Optional_arguments_with_defaults_of_every_kind()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            using System.Runtime.InteropServices;

            namespace Defaults;

            public enum Color { Red = 1, Green = 2, Minus = -1 }

            [Flags]
            public enum Access : long { None = 0, Read = 1, Write = 2 }

            public static partial class DefaultTasks
            {
                [Task]
                public static void Numbers(
                    int i = -5,
                    long l = long.MinValue,
                    uint u = 7,
                    ulong ul = ulong.MaxValue,
                    short s = -3,
                    byte b = 255,
                    sbyte sb = -128,
                    float f = 1.5f,
                    double d = 1e20,
                    double nan = double.NaN,
                    float inf = float.PositiveInfinity,
                    decimal m = 12.50m)
                { }

                [Task]
                public static void Text(
                    string greeting = "He said \"hi\"\n\t\\",
                    char c = '\'',
                    char nul = '\0',
                    string? none = null,
                    bool yes = true,
                    bool no = false)
                { }

                [Task]
                public static void Enums(
                    Color color = Color.Green,
                    Color minus = Color.Minus,
                    Access access = Access.Read | Access.Write,
                    Color? maybe = Color.Red,
                    Color? nothing = null)
                { }

                [Task]
                public static void Structs(
                    int? count = null,
                    int? five = 5,
                    DateTime when = default,
                    Guid id = default,
                    TimeSpan span = default)
                { }

                [Task]
                public static void NotTrailing([Optional, DefaultParameterValue(3)] int first, int second, int third = 4)
                { }

                [Task]
                public static Task WithServices(int required, IServiceProvider services, int optional = 2, CancellationToken cancellationToken = default)
                    => Task.CompletedTask;
            }
            """, assemblyName: "Defaults");

        var text = run.Source("Defaults.DefaultTasks.Text.g.cs");
        text.ShouldContain("string greeting = \"He said \\\"hi\\\"\\n\\t\\\\\"");
        text.ShouldContain("char c = '\\''");
        var notTrailing = run.Source("Defaults.DefaultTasks.NotTrailing.g.cs");
        notTrailing.ShouldContain("DelayAsync(int first, int second, int third = 4, ");
        notTrailing.ShouldContain("GetOrDefault<int>(0, 3, false)");
        Baseline.Verify(nameof(Optional_arguments_with_defaults_of_every_kind), run);
    }

    [Fact]
    public void Nullable_and_oblivious_arguments()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Nulls;

            public sealed class Payload { public string? Note { get; set; } }

            public static partial class NullableTasks
            {
                [Task]
                public static void Annotated(int? count, string? name, Payload? payload, List<string?>? tags, string required) { }
            }

            public interface IAudit { }

            public static partial class NullDefaultTasks
            {
                // A null default on a non-nullable parameter (the user was warned): the generated local is nullable
                // and is passed with '!'.
            #pragma warning disable CS8625
                [Task]
                public static void NullDefaults(string text = null, IAudit audit = null) { }
            #pragma warning restore CS8625
            }

            #nullable disable
            public static partial class ObliviousTasks
            {
                [Task]
                public static void Oblivious(string name, Payload payload, string optional = null, int? count = null) { }
            }
            #nullable restore
            """, assemblyName: "Nulls");

        var annotated = run.Source("Nulls.NullableTasks.Annotated.g.cs");
        annotated.ShouldContain("Get<int?>(0, true)");
        annotated.ShouldContain("Get<string?>(1, true)");
        annotated.ShouldContain("Get<string>(4, false)");
        annotated.ShouldContain("new global::TaskFlow.Infrastructure.TaskArgumentDescriptor(\"tags\", \"tags\", \"System.Collections.Generic.List<string?>?\", false)");
        var nullDefaults = run.Source("Nulls.NullDefaultTasks.NullDefaults.g.cs");
        nullDefaults.ShouldContain("GetOrDefault<string?>(0, null, true)");
        nullDefaults.ShouldContain("GetService<global::Nulls.IAudit>(invocation.Services)");
        nullDefaults.ShouldContain("NullDefaults(text!, audit!)");
        var oblivious = run.Source("Nulls.ObliviousTasks.Oblivious.g.cs");
        oblivious.ShouldContain("Get<string>(0, false)");
        oblivious.ShouldContain("GetOrDefault<string?>(2, null, true)");
        Baseline.Verify(nameof(Nullable_and_oblivious_arguments), run);
    }

    [Fact]
    public void Parameters_are_classified_as_arguments_services_context_and_token()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            using System.IO;

            namespace Classify;

            public interface IMailer { }
            public abstract class Storage { }
            public sealed class Concrete { }

            public static partial class ClassifyTasks
            {
                [Task]
                public static Task Run(
                    IEnumerable<int> numbers,
                    IReadOnlyList<string> names,
                    IList<long> list,
                    ICollection<Guid> collection,
                    IReadOnlyCollection<byte> readOnlyCollection,
                    IDictionary<string, int> dictionary,
                    IReadOnlyDictionary<string, string?> readOnlyDictionary,
                    ISet<int> set,
                    IReadOnlySet<int> readOnlySet,
                    int[] array,
                    IMailer mailer,
                    Storage storage,
                    Stream stream,
                    [FromServices] Concrete concrete,
                    IMailer? optionalMailer,
                    TaskContext context,
                    CancellationToken cancellationToken)
                    => Task.CompletedTask;
            }
            """, assemblyName: "Classify");

        var source = run.Source("Classify.ClassifyTasks.Run.g.cs");
        source.ShouldContain("Get<global::System.Collections.Generic.IReadOnlySet<int>>(8, false)");
        source.ShouldContain("Get<int[]>(9, false)");
        source.ShouldContain("GetRequiredService<global::Classify.IMailer>(invocation.Services)");
        source.ShouldContain("GetRequiredService<global::Classify.Storage>(invocation.Services)");
        source.ShouldContain("GetRequiredService<global::System.IO.Stream>(invocation.Services)");
        source.ShouldContain("GetRequiredService<global::Classify.Concrete>(invocation.Services)");
        source.ShouldContain("GetService<global::Classify.IMailer>(invocation.Services)");
        source.ShouldContain("invocation.Context, invocation.CancellationToken)");
        source.ShouldContain("DelayAsync(global::System.Collections.Generic.IEnumerable<int> numbers, ");
        Baseline.Verify(nameof(Parameters_are_classified_as_arguments_services_context_and_token), run);
    }

    [Fact]
    public void Parameter_names_that_collide_with_generated_names()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Collide;

            public partial class CollideTasks
            {
                [Task]
                public static Task<int> Everything(
                    string options,
                    int cancellationToken,
                    int invocation,
                    int _invocation,
                    int writer,
                    int target,
                    int client,
                    int _client,
                    int userId,
                    int _userId,
                    int @class,
                    int value,
                    int Client,
                    int EverythingDescriptor,
                    CancellationToken token)
                    => Task.FromResult(1);

                [Task]
                public void Instance(int target, int invocation) { }

                [Task]
                public static void @event(int @int) { }
            }
            """, assemblyName: "Collide");

        var everything = run.Source("Collide.CollideTasks.Everything.g.cs");
        everything.ShouldContain("global::TaskFlow.SendOptions _options,");
        everything.ShouldContain("global::System.Threading.CancellationToken _cancellationToken = default");
        everything.ShouldContain("InvokeEverything(global::TaskFlow.Infrastructure.TaskInvocation __invocation)");
        var instance = run.Source("Collide.CollideTasks.Instance.g.cs");
        instance.ShouldContain("var _target = ");
        Baseline.Verify(nameof(Parameter_names_that_collide_with_generated_names), run);
    }

    [Fact]
    public void Explicit_name_and_queue()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Explicit;

            internal static partial class ExplicitTasks
            {
                [Task(Name = "legacy.tasks.add", Queue = "math")]
                public static int Add(int x, int y) => x + y;

                [Task(Name = null, Queue = null)]
                public static int Subtract(int x, int y) => x - y;

                [Task(Queue = "emails.high-priority")]
                private static void Secret(int x) { }
            }
            """, assemblyName: "Explicit");

        var add = Lines(run.Source("Explicit.ExplicitTasks.Add.g.cs"));
        add.ShouldContain("\"legacy.tasks.add\",");
        add.ShouldContain("\"math\",");
        var subtract = Lines(run.Source("Explicit.ExplicitTasks.Subtract.g.cs"));
        subtract[subtract.IndexOf("\"explicit.explicit_tasks.subtract\",") + 1].ShouldBe("null,");
        Baseline.Verify(nameof(Explicit_name_and_queue), run);
    }

    [Fact]
    public void Time_limits_and_retry_policies_are_set_on_the_descriptor()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Policies;

            public static partial class PolicyTasks
            {
                [Task(SoftTimeLimitSeconds = 30, TimeLimitSeconds = 45.5)]
                public static Task Limited(CancellationToken cancellationToken) => Task.CompletedTask;

                [Task, Retry(5)]
                public static void RetriedWithDefaults() { }

                [Task(TimeLimitSeconds = 120)]
                [Retry(3, Backoff = RetryBackoff.Fixed, DelaySeconds = 2, MaxDelaySeconds = 60, Jitter = false, ScheduleSeconds = new double[] { 1, 5, 30 },
                    RetryOn = new[] { typeof(TimeoutException), typeof(System.Net.Http.HttpRequestException) }, DoNotRetryOn = new[] { typeof(ArgumentException) })]
                public static void RetriedWithEverything() { }

                [Task, Retry(2, DoNotRetryOn = new[] { typeof(InvalidOperationException) }, ScheduleSeconds = new double[0])]
                public static void RetriedExceptInvalid() { }

                [Task, Retry(2, RetryOn = new[] { typeof(TransientException) })]
                public static void RetriedOnPrivateException() { }

                private sealed class TransientException : Exception { }
            }
            """, assemblyName: "Policies");

        var everything = run.Source("Policies.PolicyTasks.RetriedWithEverything.g.cs");
        everything.ShouldContain("TimeLimit = global::System.TimeSpan.FromSeconds(120D),");
        everything.ShouldContain("Backoff = global::TaskFlow.RetryBackoff.Fixed,");
        everything.ShouldContain("ShouldRetry = static exception => (exception is global::System.TimeoutException || exception is global::System.Net.Http.HttpRequestException) && !(exception is global::System.ArgumentException),");
        run.Source("Policies.PolicyTasks.RetriedWithDefaults.g.cs").ShouldNotContain("Backoff");
        Baseline.Verify(nameof(Time_limits_and_retry_policies_are_set_on_the_descriptor), run);
    }

    [Fact]
    public void Entity_keys_and_ignored_results_declared_on_the_task_fill_the_proxies_options()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Keys;

            public enum Kind { Text, Image }
            public interface INoteStore { }

            public static partial class KeyTasks
            {
                [Task(EntityKey = "note:{noteId}")]
                public static Task<int> CopyNote(int noteId, int copies, INoteStore store, TaskContext context, CancellationToken cancellationToken) => Task.FromResult(copies);

                [Task(EntityKey = "tenant:{tenant}/doc:{documentId}/{kind}/{day}/{{literal}} \"quoted\" \\ {price}:{tenant}", IgnoreResult = true)]
                public static void Everything(string tenant, Guid documentId, Kind kind, DateOnly day, decimal price, long options = 5) { }

                [Task(IgnoreResult = true)]
                public static int Ignored(int a) => a;

                [Task(IgnoreResult = false)]
                public static int Kept(int a) => a;

                [Task(EntityKey = "settings:{{global}}")]
                public static void Constant() { }

                [Task(EntityKey = "user:{@class}/{event}", Queue = "users")]
                public static void Keywords(int @class, char @event, bool yes, byte b, short s, ushort us, uint ui, ulong ul, nint n, nuint nu, Int128 big, UInt128 ubig) { }

                [Task(EntityKey = "all:{yes}{b}{s}{us}{ui}{ul}{n}{nu}{big}{ubig}")]
                public static void EveryKeyType(bool yes, byte b, short s, ushort us, uint ui, ulong ul, nint n, nuint nu, Int128 big, UInt128 ubig, sbyte sb, long l) { }
            }
            """, assemblyName: "Keys");

        const string Invariant = "global::System.String.Create(global::System.Globalization.CultureInfo.InvariantCulture, ";
        var copy = Lines(run.Source("Keys.KeyTasks.CopyNote.g.cs"));
        copy.ShouldContain("=> global::TaskFlow.TaskHandle<int>.FromAsync(_client.SendAsync(global::Keys.KeyTasks.Client.CopyNoteDescriptor, new global::Keys.KeyTasks.Client.CopyNoteArguments(noteId, copies), "
            + "new global::TaskFlow.SendOptions { EntityKey = " + Invariant + "$\"note:{noteId}\") }, cancellationToken));");
        copy.ShouldContain("=> global::TaskFlow.TaskHandle<int>.FromAsync(_client.SendAsync(global::Keys.KeyTasks.Client.CopyNoteDescriptor, new global::Keys.KeyTasks.Client.CopyNoteArguments(noteId, copies), "
            + "new global::TaskFlow.SendOptions(options) { EntityKey = options.EntityKey ?? " + Invariant + "$\"note:{noteId}\") }, cancellationToken));");
        copy.ShouldNotContain("IgnoreResult = true,");

        // Escaped braces, quotes and backslashes stay text; DateOnly is ISO 8601; an argument named 'options' renames the parameter.
        var everything = run.Source("Keys.KeyTasks.Everything.g.cs");
        everything.ShouldContain("new global::TaskFlow.SendOptions { EntityKey = " + Invariant
            + "$\"tenant:{tenant}/doc:{documentId}/{kind}/{day:yyyy-MM-dd}/{{literal}} \\\"quoted\\\" \\\\ {price}:{tenant}\"), IgnoreResult = true }");
        everything.ShouldContain("new global::TaskFlow.SendOptions(_options) { EntityKey = _options.EntityKey ?? " + Invariant);
        everything.ShouldContain("IgnoreResult = _options.IgnoreResult ?? true }");
        Lines(everything).ShouldContain("IgnoreResult = true,");

        var ignored = run.Source("Keys.KeyTasks.Ignored.g.cs");
        ignored.ShouldContain("new global::TaskFlow.SendOptions { IgnoreResult = true }, cancellationToken)");
        ignored.ShouldContain("new global::TaskFlow.SendOptions(options) { IgnoreResult = options.IgnoreResult ?? true }, cancellationToken)");
        Lines(ignored).ShouldContain("IgnoreResult = true,");

        // Declared false: only the descriptor says so (false is what a call sends anyway).
        var kept = run.Source("Keys.KeyTasks.Kept.g.cs");
        kept.ShouldContain("new global::Keys.KeyTasks.Client.KeptArguments(a), null, cancellationToken)");
        kept.ShouldContain("new global::Keys.KeyTasks.Client.KeptArguments(a), options, cancellationToken)");
        Lines(kept).ShouldContain("IgnoreResult = false,");

        run.Source("Keys.KeyTasks.Constant.g.cs").ShouldContain("new global::TaskFlow.SendOptions { EntityKey = \"settings:{global}\" }");
        run.Source("Keys.KeyTasks.Keywords.g.cs").ShouldContain(Invariant + "$\"user:{@class}/{@event}\")");
        Baseline.Verify(nameof(Entity_keys_and_ignored_results_declared_on_the_task_fill_the_proxies_options), run);
    }

    [Fact]
    public void Proxies_are_internal_when_a_type_they_expose_is_internal()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Visibility;

            internal sealed record InternalPayload(int Id);
            public sealed record PublicPayload(int Id);

            public static partial class VisibilityTasks
            {
                [Task] internal static void TakesInternal(InternalPayload payload) { }
                [Task] internal static InternalPayload ReturnsInternal(int id) => new InternalPayload(id);
                [Task] internal static void TakesInternalList(List<InternalPayload> payloads) { }
                [Task] public static void TakesPublic(PublicPayload payload) { }

                // Services are only used inside the invoker, which is nested in the container.
                [Task] private static void UsesPrivateService([FromServices] PrivateService service) { }

                private sealed class PrivateService { }
            }
            """, assemblyName: "Visibility");

        run.Source("Visibility.VisibilityTasks.TakesInternal.g.cs").ShouldContain("internal readonly struct TakesInternalProxy");
        run.Source("Visibility.VisibilityTasks.ReturnsInternal.g.cs").ShouldContain("internal readonly struct ReturnsInternalProxy");
        run.Source("Visibility.VisibilityTasks.TakesInternalList.g.cs").ShouldContain("internal readonly struct TakesInternalListProxy");
        run.Source("Visibility.VisibilityTasks.TakesPublic.g.cs").ShouldContain("public readonly struct TakesPublicProxy");
        run.Source("Visibility.VisibilityTasks.UsesPrivateService.g.cs").ShouldContain("public readonly struct UsesPrivateServiceProxy");
        Baseline.Verify(nameof(Proxies_are_internal_when_a_type_they_expose_is_internal), run);
    }

    [Fact]
    public void Derived_container_hides_the_base_client()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Inherit;

            public partial class BaseTasks
            {
                [Task] public static void First() { }
            }

            public partial class DerivedTasks : BaseTasks
            {
                [Task] public static void Second() { }
            }
            """, assemblyName: "Inherit");

        run.Source("Inherit.DerivedTasks.g.cs").ShouldContain("public new sealed partial class Client");
        run.Source("Inherit.BaseTasks.g.cs").ShouldContain("public sealed partial class Client");
    }

    [Fact]
    public void A_user_declared_partial_Client_is_extended()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Extend;

            public static partial class ExtendTasks
            {
                [Task] public static void Run(int x) { }

                public sealed partial class Client
                {
                    public ValueTask<TaskHandle> RunTwiceAsync(int x) => Run.DelayAsync(x * 2);
                }
            }
            """, assemblyName: "Extend");

        run.HintNames.ShouldContain("Extend.ExtendTasks.g.cs");
    }

    [Fact]
    public void Generated_members_are_documented_and_crefs_resolve()
    {
        var compilation = GeneratorHarness.CreateCompilation(Usings + """
            namespace Docs;

            /// <summary>Tasks.</summary>
            public static partial class DocTasks
            {
                /// <summary>Overloaded: the generated docs cannot use a cref.</summary>
                [Task] public static void Overloaded(int x) { }

                /// <summary>The overload.</summary>
                public static void Overloaded(string x) { }

                /// <summary>Private: referenced by cref.</summary>
                [Task] private static Task<List<int>> Secret(Dictionary<string, int> map, string? note = null) => Task.FromResult(new List<int>());
            }
            """, documentationMode: DocumentationMode.Diagnose);
        var run = GeneratorHarness.Run(compilation);

        run.ShouldCompileCleanly();
        run.Source("Docs.DocTasks.Overloaded.g.cs").ShouldContain("<c>Docs.DocTasks.Overloaded(int)</c>");
        run.Source("Docs.DocTasks.Secret.g.cs").ShouldContain("<see cref=\"global::Docs.DocTasks.Secret\"/>");
        run.Source("TaskFlow.TestAssembly.Registration.g.cs").ShouldContain("Registers the 2 tasks of assembly <c>TestAssembly</c>");
    }

    [Fact]
    public void Hint_names_that_differ_only_by_case_get_a_suffix()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Casing
            {
                public static partial class tasks { [Task(Name = "a")] public static void run() { } }
                public static partial class Tasks { [Task(Name = "b")] public static void Run() { } [Task(Name = "c")] public static void run() { } }
            }
            """);

        run.HintNames.Count.ShouldBe(6);
        run.HintNames.Select(name => name.ToUpperInvariant()).Distinct().Count().ShouldBe(6);
        run.HintNames.Where(name => name.StartsWith("Casing.", System.StringComparison.Ordinal))
            .ShouldAllBe(name => System.Text.RegularExpressions.Regex.IsMatch(name, @"^Casing\.(tasks|Tasks)(\.(run|Run))?\.[0-9a-f]{8}\.g\.cs$"));
        run.HintNames.ShouldContain("TaskFlow.TestAssembly.Registration.g.cs");
    }

    [Fact]
    public void No_tasks_generates_nothing()
    {
        var run = GeneratorHarness.RunAndCompile(Usings + """
            namespace Empty;

            public static class NotTasks
            {
                [Obsolete] public static void Run() { }
            }
            """);

        run.Sources.ShouldBeEmpty();
    }

    [Fact]
    public void Output_is_deterministic_and_registration_is_ordinally_sorted()
    {
        const string First = Usings + """
            namespace Zeta { public static partial class B { [Task] public static void b() { } [Task] public static void A() { } } }
            """;
        const string Second = Usings + """
            namespace Alpha { public partial class a { [Task] public void Z() { } } public static partial class A { [Task] public static void M() { } } }
            """;

        var one = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { First, Second }));
        var two = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { Second, First }));
        one.ShouldCompileCleanly();
        var registration = one.Source("TaskFlow.TestAssembly.Registration.g.cs");
        registration.ShouldBe(two.Source("TaskFlow.TestAssembly.Registration.g.cs"));
        one.Sources.Select(source => source.HintName + source.SourceText).ShouldBe(two.Sources.Select(source => source.HintName + source.SourceText));

        var adds = registration.Split('\n').Where(line => line.Contains("AddTask(", System.StringComparison.Ordinal)).Select(line => line.Trim()).ToList();
        adds.ShouldBe(new[]
        {
            "builder.AddTask(global::Alpha.A.Client.MDescriptor);",
            "builder.AddTask(global::Alpha.a.Client.ZDescriptor);",
            "builder.AddTask(global::Zeta.B.Client.ADescriptor);",
            "builder.AddTask(global::Zeta.B.Client.bDescriptor);",
        });
        Baseline.Verify(nameof(Output_is_deterministic_and_registration_is_ordinally_sorted), one);
    }

    private static System.Collections.Generic.List<string> Lines(string source) =>
        source.Split('\n').Select(line => line.Trim()).ToList();
}
