using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Shouldly;
using TaskFlow.Generators.Model;
using TaskFlow.Generators.Tests.Infrastructure;
using Xunit;

namespace TaskFlow.Generators.Tests;

/// <summary>
/// The pipeline models must hold only plain values: an ISymbol, SyntaxNode, Compilation, Location or
/// SemanticModel would root a whole compilation in the cache and defeat incrementality.
/// </summary>
public class ModelGraphTests
{
    private static readonly Type[] s_forbidden =
    {
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(Location), typeof(SemanticModel), typeof(AttributeData),
    };

    private static readonly HashSet<Type> s_leaves = new()
    {
        typeof(string), typeof(bool), typeof(int), typeof(double), typeof(TextSpan), typeof(LinePositionSpan),
    };

    [Fact]
    public void Model_types_hold_only_strings_numbers_bools_enums_spans_records_and_equatable_arrays()
    {
        var roots = new[] { typeof(TaskParseResult), typeof(TaskNameClaim), typeof(GenerationFacts), typeof(TaskFile), typeof(RegistrationSpec), typeof(DiagnosticInfo) };
        var visited = new HashSet<Type>();
        var problems = new List<string>();
        foreach (var root in roots)
        {
            Walk(root, root.Name, visited, problems);
        }

        problems.ShouldBeEmpty();
        visited.ShouldContain(typeof(ParameterSpec));
        visited.ShouldContain(typeof(ContainerSpec));
        visited.ShouldContain(typeof(LocationInfo));
        visited.ShouldContain(typeof(EntityKeySpec));
        visited.ShouldContain(typeof(EntityKeyPartSpec));
        visited.ShouldContain(typeof(RetrySpec));
        visited.ShouldContain(typeof(ConstantSpec));
    }

    [Fact]
    public void Every_tracked_step_output_of_a_real_run_holds_no_compiler_object()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("""
            using System.Threading;
            using System.Threading.Tasks;
            using TaskFlow;

            namespace Graph
            {
                public interface IService { }
                public static partial class GraphTasks
                {
                    [Task(EntityKey = "work:{a}", IgnoreResult = true)] public static Task<int> Work(int a, string? b = "x", IService? service = null, CancellationToken cancellationToken = default) => Task.FromResult(a);
                    [Task] public static void Broken(ref int a) { }
                }
            }
            """));

        var problems = new List<string>();
        var count = 0;
        foreach (var (name, steps) in run.Result.TrackedSteps.Where(pair => TrackingNames.All.Contains(pair.Key)))
        {
            foreach (var step in steps)
            {
                foreach (var (value, _) in step.Outputs)
                {
                    count++;
                    Inspect(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance), problems);
                }
            }
        }

        count.ShouldBeGreaterThan(10);
        problems.ShouldBeEmpty();
    }

    private static void Walk(Type type, string path, HashSet<Type> visited, List<string> problems)
    {
        if (s_forbidden.Any(forbidden => forbidden.IsAssignableFrom(type)))
        {
            problems.Add(path + ": " + type);
            return;
        }

        if (s_leaves.Contains(type) || type.IsEnum || !visited.Add(type))
        {
            return;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            Walk(underlying, path, visited, problems);
            return;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EquatableArray<>))
        {
            Walk(type.GetGenericArguments()[0], path + "[]", visited, problems);
            return;
        }

        if (type.Namespace is null || !type.Namespace.StartsWith("TaskFlow.Generators", StringComparison.Ordinal) || type.GetMethod("<Clone>$") is null)
        {
            problems.Add(path + ": " + type + " is not a string, bool, enum, span, EquatableArray or generator record");
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name == "EqualityContract")
            {
                continue;
            }

            Walk(property.PropertyType, path + "." + property.Name, visited, problems);
        }

        foreach (var field in type.GetFields(BindingFlags.NonPublic | BindingFlags.Instance))
        {
            Walk(field.FieldType, path + "." + field.Name, visited, problems);
        }
    }

    private static void Inspect(object? value, string path, HashSet<object> seen, List<string> problems)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        var type = value.GetType();
        if (s_forbidden.Any(forbidden => forbidden.IsInstanceOfType(value)))
        {
            problems.Add(path + ": " + type);
            return;
        }

        if (value is IEnumerable items)
        {
            var index = 0;
            foreach (var item in items)
            {
                Inspect(item, path + "[" + index++ + "]", seen, problems);
            }

            return;
        }

        if (type.FullName!.StartsWith("System.ValueTuple", StringComparison.Ordinal))
        {
            foreach (var field in type.GetFields())
            {
                Inspect(field.GetValue(value), path + "." + field.Name, seen, problems);
            }

            return;
        }

        if (type == typeof(TextSpan) || type == typeof(LinePositionSpan))
        {
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(property => property.Name != "EqualityContract" && property.GetIndexParameters().Length == 0))
        {
            Inspect(property.GetValue(value), path + "." + property.Name, seen, problems);
        }
    }
}
