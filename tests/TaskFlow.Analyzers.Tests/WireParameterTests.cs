using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Shouldly;
using TaskFlow.Analyzers.Tests.Infrastructure;
using TaskFlow.Shared;
using Xunit;

namespace TaskFlow.Analyzers.Tests;

/// <summary>TF1002 (cannot be sent) and TF1009 (injected but not a service), and the shared parameter classification.</summary>
public sealed class WireParameterTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Data;
        using System.Data.Common;
        using System.IO;
        using System.Text.Json.Serialization;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        using Microsoft.Extensions.Logging;
        using TaskFlow;

        """;

    [Fact]
    public async Task Delegates_tasks_streams_contexts_and_handles_cannot_be_sent()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Usings + """
            public class DbContext { }
            public class ShopDb : DbContext { }

            public static partial class T
            {
                [Task]
                public static void Run(
                    Action callback,
                    Func<int, bool> filter,
                    Task pending,
                    ValueTask<int> later,
                    MemoryStream stream,
                    DefaultHttpContext http,
                    ShopDb db,
                    CancellationTokenSource source,
                    Exception error,
                    Thread thread,
                    IntPtr handle) { }
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[]
        {
            "TF1002 callback", "TF1002 filter", "TF1002 pending", "TF1002 later", "TF1002 stream", "TF1002 http", "TF1002 db",
            "TF1002 source", "TF1002 error", "TF1002 thread", "TF1002 handle",
        });
        diagnostics.ShouldAllBe(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error);
        diagnostics[4].GetMessage(CultureInfo.InvariantCulture).ShouldBe(
            "Parameter 'stream' of task 'T.Run' is a message argument that cannot be sent in a message: 'MemoryStream' is a stream of this process; send the bytes (byte[]) or where to find them (a path, a blob name, a URL)");
    }

    [Fact]
    public async Task Types_System_Text_Json_cannot_create_cannot_be_sent()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Usings + """
            public interface IShape { }
            public sealed class Circle : IShape { public double Radius { get; set; } }

            public sealed class PrivateOnly { private PrivateOnly() { } public int X { get; set; } }
            public sealed class TwoConstructors { public TwoConstructors(int x) { X = x; } public TwoConstructors(string s) { X = s.Length; } public int X { get; } }
            public sealed class Unbound(int secret) { public int Twice => secret * 2; }

            public static partial class T
            {
                [Task]
                public static void Run(
                    PrivateOnly a,
                    TwoConstructors b,
                    Unbound c,
                    List<IShape> shapes,
                    Dictionary<string, Action> handlers,
                    List<Stream> streams) { }
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[] { "TF1002 a", "TF1002 b", "TF1002 c", "TF1002 shapes", "TF1002 handlers", "TF1002 streams" });
        var messages = diagnostics.Select(diagnostic => diagnostic.GetMessage(CultureInfo.InvariantCulture)).ToList();
        messages[0].ShouldEndWith("System.Text.Json cannot create 'PrivateOnly': it has no public constructor and no constructor marked [JsonConstructor]");
        messages[1].ShouldEndWith("System.Text.Json cannot create 'TwoConstructors': it has several public constructors, none of them parameterless and no constructor marked [JsonConstructor]");
        messages[2].ShouldEndWith("System.Text.Json cannot create 'Unbound': constructor parameter 'secret' matches no property or field");
        messages[3].ShouldEndWith("its elements are the interface 'IShape', which System.Text.Json cannot create; use a concrete type, or declare the derived types with [JsonDerivedType]");
        messages[4].ShouldContain("its elements cannot be sent: 'Action' is a delegate");
    }

    [Fact]
    public async Task Values_System_Text_Json_can_create_and_injected_parameters_are_not_reported()
    {
        var diagnostics = await AnalyzerHarness.FindAsync(Usings + """
            public record SignupRequest(string Email, int? Age);
            public sealed class Options { public int Retries { get; set; } }
            public sealed class Marked { [JsonConstructor] public Marked(int x) { X = x; } public Marked(string s) { X = s.Length; } public int X { get; } }
            public sealed class Bound(int x) { public int X { get; } = x; }

            [JsonDerivedType(typeof(Square), "square")]
            public abstract class Shape { }
            public sealed class Square : Shape { public double Side { get; set; } }

            [JsonConverter(typeof(JsonStringEnumConverter))]
            public sealed class Converted { private Converted() { } }

            public readonly struct Money { public Money(decimal amount) { Amount = amount; } public decimal Amount { get; } }

            public static partial class T
            {
                [Task]
                public static Task Run(
                    int id,
                    string? name,
                    int? count,
                    DateTimeOffset at,
                    TimeSpan delay,
                    Guid key,
                    Uri link,
                    byte[] bytes,
                    SignupRequest request,
                    Options options,
                    Marked marked,
                    Bound bound,
                    List<Shape> shapes,
                    IReadOnlyList<int> ids,
                    Dictionary<string, List<SignupRequest>> groups,
                    Converted converted,
                    Money money,
                    object anything,
                    ILogger<Options> logger,
                    IServiceProvider services,
                    [FromServices] Options fromServices,
                    TaskContext context,
                    CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """);

        diagnostics.ShouldBeEmpty();
    }

    [Fact]
    public async Task Abstract_per_process_types_are_injected_but_are_not_services()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Usings + """
            public static partial class T
            {
                [Task]
                public static void Run(
                    Stream stream,
                    HttpContext http,
                    DbConnection connection,
                    IDbTransaction transaction,
                    Type type,
                    [FromServices] DbConnection registered,
                    IDbConnection dapper,
                    ILogger<string> logger) { }
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[] { "TF1009 stream", "TF1009 http", "TF1009 connection", "TF1009 transaction", "TF1009 type" });
        diagnostics[0].GetMessage(CultureInfo.InvariantCulture).ShouldBe(
            "Parameter 'stream' of task 'T.Run' is resolved from DI because 'Stream' is abstract, but it is a stream of the process that sent the task, not a service a worker has, and it cannot be sent in a message either. Pass the data it holds, or mark the parameter [FromServices] if you registered one.");
        diagnostics[3].GetMessage(CultureInfo.InvariantCulture).ShouldContain("because 'IDbTransaction' is an interface");
    }

    [Fact]
    public async Task Parameters_the_generator_rejects_are_left_to_the_generator()
    {
        // ref/out/pointers/ref structs are TF0003: the generator reports them, the analyzer adds nothing.
        var compilation = AnalyzerHarness.CreateCompilation(new[]
        {
            """
            using System;
            using TaskFlow;

            public static unsafe partial class T
            {
                [Task]
                public static void Run(ref int a, ReadOnlySpan<byte> b, int* c) { }
            }
            """,
        });
        compilation = compilation.WithOptions(compilation.Options.WithAllowUnsafe(true));
        (await AnalyzerHarness.AnalyzeCompilationAsync(compilation)).ShouldBeEmpty();
    }

    [Fact]
    public void The_shared_rule_classifies_each_parameter_by_the_first_rule_that_matches()
    {
        // One rule (src/Shared/TaskParameterRules.cs), compiled into the generator and the analyzers alike.
        var compilation = AnalyzerHarness.CreateCompilation(new[]
        {
            Usings + """
            public abstract class Base { }
            public sealed class Concrete { }
            public interface IService { }

            public static partial class T
            {
                [Task]
                public static void Run(
                    int a, string? b, CancellationToken c, TaskContext d, [FromServices] Concrete e, IService f, Base g,
                    IEnumerable<int> h, IReadOnlyList<int> i, IList<int> j, ICollection<int> k, IReadOnlyCollection<int> l,
                    IDictionary<string, int> m, IReadOnlyDictionary<string, int> n, ISet<int> o, IReadOnlySet<int> p,
                    System.Collections.IEnumerable q, IAsyncEnumerable<int> r, IComparable<int> s, Stream t, Action u,
                    Task v, object w, dynamic x, int[] y, List<IService> z, Concrete? aa, CancellationToken? bb,
                    [FromServices] int cc, IServiceProvider dd) { }
            }
            """,
        });
        var method = compilation.GetTypeByMetadataName("T")!.GetMembers("Run").OfType<IMethodSymbol>().Single();

        var kinds = method.Parameters.Select(static parameter => parameter.Name + ": " + TaskParameterRules.Classify(parameter));

        kinds.ShouldBe(new[]
        {
            "a: Argument", "b: Argument", "c: CancellationToken", "d: Context", "e: Service", "f: Service", "g: Service",
            "h: Argument", "i: Argument", "j: Argument", "k: Argument", "l: Argument",
            "m: Argument", "n: Argument", "o: Argument", "p: Argument",
            "q: Service", "r: Service", "s: Service", "t: Service", "u: Argument",
            "v: Argument", "w: Argument", "x: Argument", "y: Argument", "z: Argument", "aa: Argument", "bb: Argument",
            "cc: Service", "dd: Service",
        });
    }
}
