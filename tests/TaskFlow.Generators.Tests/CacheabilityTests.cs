using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Shouldly;
using TaskFlow.Generators.Tests.Infrastructure;
using Xunit;

namespace TaskFlow.Generators.Tests;

/// <summary>
/// Every tracked step stays cached when nothing it depends on changed (after NetEscapades.EnumGenerators'
/// test helper): a cloned compilation, an unrelated new file, and an edit inside a method body.
/// </summary>
public class CacheabilityTests
{
    private const string Tasks = """
        using System.Threading;
        using System.Threading.Tasks;
        using TaskFlow;

        namespace Shop
        {
            public interface IMailer { }

            public static partial class OrderTasks
            {
                [Task(Queue = "orders", EntityKey = "order:{orderId}", IgnoreResult = true)]
                public static Task Ship(int orderId, string? note = null, IMailer? mailer = null, CancellationToken cancellationToken = default) => Task.CompletedTask;

                [Task]
                public static int Count(long[] ids) => ids.Length;

                // Declared after the edited body, so that it is parsed again: its values (seconds, an enum member,
                // default constants, a schedule) must compare equal for everything downstream to stay cached.
                [Task(SoftTimeLimitSeconds = 1.5, TimeLimitSeconds = 3)]
                [Retry(3, Backoff = RetryBackoff.Fixed, DelaySeconds = 2, ScheduleSeconds = new double[] { 1, 5 }, RetryOn = new[] { typeof(System.TimeoutException) })]
                public static Task Refund(int orderId, decimal amount = 1.5m, System.DayOfWeek day = System.DayOfWeek.Monday, CancellationToken cancellationToken = default) => Task.CompletedTask;
            }

            public partial class InstanceTasks
            {
                [Task]
                public ValueTask<string> Describe(int id) => new ValueTask<string>(id.ToString());
            }

            public partial record struct Stamps
            {
                [Task]
                public static void Touch() { }
            }
        }
        """;

    // Errors, so that the diagnostics steps have outputs too.
    private const string Broken = """
        using TaskFlow;

        namespace Shop
        {
            public static class NotPartial
            {
                [Task] public static void Bad() { }
            }

            public static partial class Duplicates
            {
                [Task(Name = "dup")] public static void One() { }
                [Task(Name = "dup")] public static void Two() { }
            }
        }
        """;

    [Fact]
    public void Every_step_is_cached_on_a_cloned_compilation()
    {
        var compilation = GeneratorHarness.CreateCompilation(new[] { Tasks, Broken });
        var first = GeneratorHarness.Run(compilation);
        TrackingNames.All.ShouldBeSubsetOf(first.Result.TrackedSteps.Keys, "every tracked step should have run");

        var second = first.Driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();

        ShouldAllBeCached(second);
        second.GeneratedSources.Select(source => source.SourceText.ToString()).ShouldBe(first.Result.GeneratedSources.Select(source => source.SourceText.ToString()));
    }

    [Fact]
    public void Every_step_is_cached_after_adding_an_unrelated_file()
    {
        var compilation = GeneratorHarness.CreateCompilation(new[] { Tasks, Broken });
        var first = GeneratorHarness.Run(compilation);

        var changed = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other { public sealed class Unrelated { public int Value { get; set; } } }", GeneratorHarness.ParseOptions, path: "Unrelated.cs"));
        var second = first.Driver.RunGenerators(changed).GetRunResult().Results.Single();

        ShouldAllBeCached(second);
    }

    [Fact]
    public void Editing_a_method_body_re_emits_nothing()
    {
        var compilation = GeneratorHarness.CreateCompilation(new[] { Tasks, Broken });
        var first = GeneratorHarness.Run(compilation);

        var tree = compilation.SyntaxTrees[0];
        var edited = tree.WithChangedText(tree.GetText().Replace(tree.ToString().IndexOf("ids.Length", StringComparison.Ordinal), "ids.Length".Length, "ids.Length + 0"));
        var second = first.Driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, edited)).GetRunResult().Results.Single();

        // The edit moves the tasks declared after it: the steps that carry locations (for diagnostics) see that,
        // and nothing derived from them without locations changes.
        ShouldAllBeCached(second, except: new[] { TrackingNames.Parse, TrackingNames.NameClaims, TrackingNames.AllNameClaims });
        Reasons(second, TrackingNames.Parse).ShouldContain(IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void Changing_one_task_re_emits_only_that_task()
    {
        var compilation = GeneratorHarness.CreateCompilation(new[] { Tasks, Broken });
        var first = GeneratorHarness.Run(compilation);

        var tree = compilation.SyntaxTrees[0];
        var edited = tree.WithChangedText(tree.GetText().Replace(tree.ToString().IndexOf("long[] ids", StringComparison.Ordinal), "long[] ids".Length, "int[] ids"));
        var second = first.Driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, edited)).GetRunResult().Results.Single();

        var taskFiles = second.TrackedSteps[TrackingNames.TaskFiles].SelectMany(step => step.Outputs).ToList();
        taskFiles.Count(output => output.Reason == IncrementalStepRunReason.Modified).ShouldBe(1);
        taskFiles.Where(output => output.Reason != IncrementalStepRunReason.Modified)
            .ShouldAllBe(output => output.Reason == IncrementalStepRunReason.Cached || output.Reason == IncrementalStepRunReason.Unchanged);

        // The registration and container files do not depend on argument types.
        Reasons(second, TrackingNames.RegistrationWithAssembly).ShouldAllBe(reason => reason == IncrementalStepRunReason.Cached || reason == IncrementalStepRunReason.Unchanged);
        Reasons(second, TrackingNames.ContainersWithAssembly).ShouldAllBe(reason => reason == IncrementalStepRunReason.Cached || reason == IncrementalStepRunReason.Unchanged);
        second.GeneratedSources.Single(source => source.HintName == "Shop.OrderTasks.Count.g.cs").SourceText.ToString().ShouldContain("Get<int[]>(0, false)");
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(run => run.Outputs).Select(output => output.Reason);

    private static void ShouldAllBeCached(GeneratorRunResult result, string[]? except = null)
    {
        var problems = new List<string>();
        foreach (var (name, steps) in result.TrackedSteps)
        {
            if (!TrackingNames.All.Contains(name) || (except is not null && except.Contains(name)))
            {
                continue;
            }

            foreach (var step in steps)
            {
                foreach (var (_, reason) in step.Outputs)
                {
                    if (reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
                    {
                        problems.Add(name + ": " + reason);
                    }
                }
            }
        }

        problems.ShouldBeEmpty();
    }
}
