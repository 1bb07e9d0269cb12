using System.Linq;
using Shouldly;
using TaskFlow.Generators.Tests.Infrastructure;
using Xunit;

namespace TaskFlow.Generators.Tests;

/// <summary>
/// The typed accessors for TaskFlow.Testing's harness: emitted only when the compilation references
/// <c>TaskFlow.Testing.TaskFlowTestHarness</c>, and nothing else of the output changes. The accessors use C# 14 extension
/// properties, which this Roslyn (4.14, the generator's own) does not compile: tests/TaskFlow.Testing.Tests compiles and
/// uses the real output with the SDK's compiler.
/// </summary>
public class TestingAccessorTests
{
    private const string Tasks = """
        using System.Threading;
        using System.Threading.Tasks;
        using TaskFlow;

        namespace Shop
        {
            public sealed class Mailer { }

            public static partial class OrderTasks
            {
                [Task(Queue = "emails")]
                public static Task Confirm(int orderId, string? note, [FromServices] Mailer mailer, CancellationToken cancellationToken) => Task.CompletedTask;

                [Task(Name = "shop.score")]
                public static int Score(long userId, int bonus = 5) => 0;

                [Task]
                public static void Count(int sent, string equals) { }
            }

            public static partial class BillingTasks
            {
                [Task]
                public static void Confirm(int invoiceId) { }
            }
        }
        """;

    // What the compilation of a project referencing TaskFlow.Testing sees (the type's presence is all the generator checks).
    private const string HarnessStub = """
        namespace TaskFlow.Testing
        {
            public sealed class TaskFlowTestHarness { }
        }
        """;

    [Fact]
    public void Accessors_are_emitted_when_the_compilation_references_TaskFlow_Testing()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { Tasks, HarnessStub }, assemblyName: "Shop.Tests"));

        run.Diagnostics.ShouldBeEmpty();
        run.HintNames.ShouldContain("TaskFlow.ShopTests.Testing.g.cs");
        var source = run.Source("TaskFlow.ShopTests.Testing.g.cs");
        // Two tasks named Confirm: each accessor is named after its type too.
        source.ShouldContain("global::TaskFlow.Testing.SentTaskList<BillingTasksConfirmSent> BillingTasksConfirm =>");
        source.ShouldContain("global::TaskFlow.Testing.SentTaskList<OrderTasksConfirmSent> OrderTasksConfirm =>");
        // SentTasks has a Count: the accessor gets a suffix; record members named like the record's own get one too.
        source.ShouldContain("CountTask =>");
        source.ShouldContain("public sealed record CountTaskSent(global::TaskFlow.Testing.SentTask Sent, int SentArgument, string EqualsArgument);");
        // Defaults are applied as the worker binds them; services, context and token are not arguments.
        source.ShouldContain("sent.Of(\"shop.score\", static task => new ScoreSent(task, task.Arguments.Get<long>(0, false), task.Arguments.GetOrDefault<int>(1, 5, false)));");
        source.ShouldContain("public sealed record OrderTasksConfirmSent(global::TaskFlow.Testing.SentTask Sent, int OrderId, string? Note);");
        Baseline.Verify(nameof(Accessors_are_emitted_when_the_compilation_references_TaskFlow_Testing), run);
    }

    [Fact]
    public void Without_TaskFlow_Testing_the_output_is_unchanged()
    {
        var without = GeneratorHarness.RunAndCompile(Tasks, assemblyName: "Shop.Tests");
        var with = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { Tasks, HarnessStub }, assemblyName: "Shop.Tests"));

        without.HintNames.ShouldNotContain(name => name.EndsWith(".Testing.g.cs", System.StringComparison.Ordinal));
        with.HintNames.Except(without.HintNames).ShouldBe(new[] { "TaskFlow.ShopTests.Testing.g.cs" });
        foreach (var hint in without.HintNames)
        {
            with.Source(hint).ShouldBe(without.Source(hint), hint);
        }
    }

    [Fact]
    public void Internal_tasks_get_internal_accessors()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[]
        {
            """
            using TaskFlow;

            namespace Shop
            {
                internal sealed record Order(int Id);

                public static partial class InternalTasks
                {
                    [Task]
                    internal static void Ship(Order order) { }
                }
            }
            """,
            HarnessStub,
        }, assemblyName: "Shop"));

        var source = run.Source("TaskFlow.Shop.Testing.g.cs");
        source.ShouldContain("internal sealed record ShipSent(global::TaskFlow.Testing.SentTask Sent, global::Shop.Order Order);");
        source.ShouldContain("internal global::TaskFlow.Testing.SentTaskList<ShipSent> Ship =>");
    }
}
