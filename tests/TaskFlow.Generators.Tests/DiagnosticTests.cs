using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Shouldly;
using TaskFlow.Generators.Tests.Infrastructure;
using Xunit;

namespace TaskFlow.Generators.Tests;

/// <summary>Every TF diagnostic: where it is reported, that the task is then not generated, and shapes that must not report it.</summary>
public class DiagnosticTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Threading;
        using System.Threading.Tasks;
        using TaskFlow;

        """;

    [Fact]
    public void TF0001_containing_type_or_an_enclosing_type_is_not_partial()
    {
        var result = Diagnose("""
            namespace N;

            public static class NotPartial
            {
                [Task] public static void Bad() { }
            }

            public static class Outer
            {
                public static partial class Inner
                {
                    [Task] public static void AlsoBad() { }
                }
            }
            """);

        result.Found.ShouldBe(new[] { ("TF0001", "Bad"), ("TF0001", "AlsoBad") });
        result.Messages.ShouldContain(message => message.Contains("'N.Outer'", StringComparison.Ordinal) && message.Contains("N.Outer.Inner.AlsoBad()", StringComparison.Ordinal));
        result.Run.Sources.ShouldBeEmpty();
    }

    [Fact]
    public void TF0002_generic_task_method()
    {
        var result = Diagnose("""
            public static partial class Tasks
            {
                [Task] public static void Bad<T>(T value) { }
                [Task] public static void Good(int value) { }
            }
            """);

        result.Found.ShouldBe(new[] { ("TF0002", "Bad") });
        result.ShouldGenerateOnly("Good");
    }

    [Fact]
    public void TF0003_by_reference_pointer_and_ref_struct_parameters()
    {
        var result = Diagnose(
            """
            public static partial class Tasks
            {
                [Task] public static void ByRef(ref int a) { }
                [Task] public static void Out(out int b) { b = 0; }
                [Task] public static void In(in int c) { }
                [Task] public static void RefReadonly(ref readonly int d) { }
                [Task] public static unsafe void Pointer(int* e) { }
                [Task] public static void SpanArgument(Span<int> f) { }
                [Task] public static void ReadOnlySpanArgument(ReadOnlySpan<char> g) { }
                [Task] public static void ServiceSpan([FromServices] Span<byte> h) { }
                [Task] public static void Good(int[] i, ReadOnlyMemory<byte> j) { }
            }
            """,
            allowUnsafe: true);

        result.Found.ShouldBe(new[]
        {
            ("TF0003", "a"), ("TF0003", "b"), ("TF0003", "c"), ("TF0003", "d"), ("TF0003", "e"), ("TF0003", "f"), ("TF0003", "g"), ("TF0003", "h"),
        });
        result.Messages.ShouldContain(message => message.StartsWith("Parameter 'f' of task method 'Tasks.SpanArgument(System.Span<int>)' is not supported: ref struct", StringComparison.Ordinal));
        result.ShouldGenerateOnly("Good");
    }

    [Fact]
    public void TF0004_unsupported_return_types()
    {
        var result = Diagnose("""
            public static partial class Tasks
            {
                private static int s_value;

                [Task] public static async void AsyncVoid() { await Task.Yield(); }
                [Task] public static async IAsyncEnumerable<int> Stream() { await Task.Yield(); yield return 1; }
                [Task] public static ref int RefReturn() => ref s_value;
                [Task] public static Span<int> SpanReturn() => default;
                [Task] public static ConfiguredTaskAwaitable Configured() => Task.CompletedTask.ConfigureAwait(false);
                [Task] public static YieldAwaitable Yield() => Task.Yield();
                [Task] public static CustomAwaitable Custom() => default;
                [Task] public static void Good() { }
            }

            public struct CustomAwaitable
            {
                public TaskAwaiter GetAwaiter() => Task.CompletedTask.GetAwaiter();
            }
            """);

        result.Found.ShouldBe(new[]
        {
            ("TF0004", "void"),
            ("TF0004", "IAsyncEnumerable<int>"),
            ("TF0004", "ref int"),
            ("TF0004", "Span<int>"),
            ("TF0004", "ConfiguredTaskAwaitable"),
            ("TF0004", "YieldAwaitable"),
            ("TF0004", "CustomAwaitable"),
        });
        result.Messages[0].ShouldContain("async void");
        result.ShouldGenerateOnly("Good");
    }

    [Fact]
    public void TF0005_generic_containing_type()
    {
        var result = Diagnose("""
            public partial class Generic<T>
            {
                [Task] public static void Bad() { }

                public static partial class Nested
                {
                    [Task] public static void AlsoBad() { }
                }
            }
            """);

        result.Found.ShouldBe(new[] { ("TF0005", "Bad"), ("TF0005", "AlsoBad") });
        result.Run.Sources.ShouldBeEmpty();
    }

    [Fact]
    public void TF0006_two_tasks_with_one_wire_name_are_both_reported_and_neither_is_generated()
    {
        var result = Diagnose("""
            namespace A
            {
                public static partial class Tasks
                {
                    [Task(Name = "shared")] public static void First() { }
                    [Task] public static void Good() { }
                }
            }

            namespace B
            {
                public static partial class Tasks
                {
                    [Task(Name = "shared")] public static void Second() { }
                    [Task(Name = "a.tasks.good")] public static void DefaultNameClash() { }
                }
            }
            """);

        result.Found.ShouldBe(new[] { ("TF0006", "First"), ("TF0006", "Good"), ("TF0006", "Second"), ("TF0006", "DefaultNameClash") });
        result.Messages.ShouldContain("Task name 'shared' of task method 'A.Tasks.First()' is also used by task method 'B.Tasks.Second()'; give one of them another name with [Task(Name = \"...\")]");
        result.Messages.ShouldContain("Task name 'shared' of task method 'B.Tasks.Second()' is also used by task method 'A.Tasks.First()'; give one of them another name with [Task(Name = \"...\")]");
        result.Run.Sources.ShouldBeEmpty();
    }

    [Fact]
    public void TF0007_containing_type_not_reachable_from_the_registration()
    {
        var result = Diagnose("""
            public partial class Host
            {
                private static partial class PrivateTasks { [Task] public static void Private() { } }
                protected static partial class ProtectedTasks { [Task] public static void Protected() { } }
                private protected static partial class PrivateProtectedTasks { [Task] public static void PrivateProtected() { } }
                protected internal static partial class ProtectedInternalTasks { [Task] public static void Good() { } }
            }

            file static partial class FileTasks { [Task] public static void FileLocal() { } }

            internal static partial class InternalTasks { [Task] private static void PrivateMethodIsFine() { } }
            """);

        result.Found.ShouldBe(new[] { ("TF0007", "Private"), ("TF0007", "Protected"), ("TF0007", "PrivateProtected"), ("TF0007", "FileLocal") });
        result.Messages.ShouldContain(message => message.Contains("is private protected;", StringComparison.Ordinal));
        result.ShouldGenerateOnly("Good", "PrivateMethodIsFine");
    }

    [Fact]
    public void TF0008_invalid_name_or_queue()
    {
        var longQueue = new string('q', 256);
        var result = Diagnose($$"""
            public static partial class Tasks
            {
                [Task(Name = "")] public static void EmptyName() { }
                [Task(Name = "   ")] public static void WhitespaceName() { }
                [Task(Name = "has space")] public static void SpaceName() { }
                [Task(Queue = "")] public static void EmptyQueue() { }
                [Task(Queue = "tab\tqueue")] public static void TabQueue() { }
                [Task(Queue = "amq.direct")] public static void ReservedQueue() { }
                [Task(Queue = "{{longQueue}}")] public static void LongQueue() { }
                [Task(TimeLimitSeconds = -1)] public static void NegativeLimit() { }
                [Task(SoftTimeLimitSeconds = double.NaN)] public static void NaNLimit() { }
                [Task(SoftTimeLimitSeconds = 60, TimeLimitSeconds = 30)] public static void SoftAboveHard() { }
                [Task(Name = "ok.name", Queue = "ok-queue.v2", SoftTimeLimitSeconds = 0.5, TimeLimitSeconds = 0)] public static void Good() { }
            }
            """);

        result.Found.ShouldBe(new[]
        {
            ("TF0008", "Name = \"\""),
            ("TF0008", "Name = \"   \""),
            ("TF0008", "Name = \"has space\""),
            ("TF0008", "Queue = \"\""),
            ("TF0008", "Queue = \"tab\\tqueue\""),
            ("TF0008", "Queue = \"amq.direct\""),
            ("TF0008", "Queue = \"" + longQueue + "\""),
            ("TF0008", "TimeLimitSeconds = -1"),
            ("TF0008", "SoftTimeLimitSeconds = double.NaN"),
            ("TF0008", "SoftTimeLimitSeconds = 60"),
        });
        result.Messages.ShouldContain("[Task] SoftTimeLimitSeconds = 60 of task method 'Tasks.SoftAboveHard()' is invalid: the soft time limit must not be longer than the hard time limit");
        result.Messages.ShouldContain("[Task] Queue = \"amq.direct\" of task method 'Tasks.ReservedQueue()' is invalid: queue names starting with 'amq.' are reserved by the broker");
        result.ShouldGenerateOnly("Good");
    }

    [Fact]
    public void TF0009_overloads_and_colliding_generated_member_names()
    {
        var result = Diagnose("""
            public static partial class Tasks
            {
                [Task(Name = "run.int")] public static void Run(int a) { }
                [Task(Name = "run.string")] public static void Run(string a) { }
                [Task] public static void Send() { }
                [Task] public static void SendProxy() { }
                [Task] public static void _client() { }
                [Task] public static void Good() { }

                // Not a task: overloading it is fine.
                public static void Good(int a) { }
            }
            """);

        result.Found.ShouldBe(new[] { ("TF0009", "Run"), ("TF0009", "Run"), ("TF0009", "Send"), ("TF0009", "SendProxy"), ("TF0009", "_client") });
        result.Messages.ShouldContain("Task method 'Tasks._client()' and the Client class's own field both generate a member named '_client' in the Client class of 'Tasks'; give tasks in one type distinct method names (overloads are not supported)");
        result.Messages.ShouldContain("Task method 'Tasks.Send()' and task method 'Tasks.SendProxy()' both generate a member named 'SendProxy' in the Client class of 'Tasks'; give tasks in one type distinct method names (overloads are not supported)");
        result.ShouldGenerateOnly("Good");
    }

    [Fact]
    public void TF0010_task_methods_the_invoker_cannot_call()
    {
        var result = Diagnose("""
            public abstract partial class AbstractTasks
            {
                [Task] public void OnAbstract() { }
                [Task] public static void StaticOnAbstractIsFine() { }
            }

            public partial interface IInterfaceTasks
            {
                [Task] void OnInterface() { }
                [Task] static abstract void AbstractStatic();
                [Task] static void StaticOnInterfaceIsFine() { }
            }

            public partial struct StructTasks
            {
                [Task] public void OnStruct() { }
            }

            public interface IRunner { void Run(); }

            public partial class Explicit : IRunner
            {
                [Task] void IRunner.Run() { }
                [Task] public void InstanceOnClassIsFine() { }
            }
            """);

        result.Found.ShouldBe(new[] { ("TF0010", "OnAbstract"), ("TF0010", "OnInterface"), ("TF0010", "AbstractStatic"), ("TF0010", "OnStruct"), ("TF0010", "Run") });
        result.ShouldGenerateOnly("InstanceOnClassIsFine", "StaticOnAbstractIsFine", "StaticOnInterfaceIsFine");
    }

    [Fact]
    public void TF0011_container_already_has_a_member_named_Client()
    {
        var result = Diagnose("""
            public partial class WithProperty
            {
                public int Client => 0;
                [Task] public static void Property() { }
            }

            public partial class WithMethod
            {
                [Task] public static void Client() { }
            }

            public partial class WithClass
            {
                public sealed class Client { }
                [Task] public static void NonPartialClass() { }
            }

            public partial class WithStruct
            {
                public partial struct Client { }
                [Task] public static void PartialStruct() { }
            }

            public partial class WithPartialClient
            {
                public sealed partial class Client { public int Extra => 1; }
                [Task] public static void Good() { }
            }
            """);

        result.Found.ShouldBe(new[] { ("TF0011", "Property"), ("TF0011", "Client"), ("TF0011", "NonPartialClass"), ("TF0011", "PartialStruct") });
        result.ShouldGenerateOnly("Good");
    }

    [Fact]
    public void TF0012_argument_or_result_type_not_reachable_from_the_client()
    {
        var result = Diagnose("""
            public partial class Tasks
            {
                private sealed record Secret(int Value);
                protected sealed record Guarded(int Value);

                [Task] private static void TakesPrivate(Secret secret) { }
                [Task] private static void TakesPrivateList(List<Secret> secrets) { }
                [Task] protected static void TakesProtected(Guarded guarded) { }
                [Task] private static Task<Secret> ReturnsPrivate() => Task.FromResult(new Secret(1));
                [Task] private static void UsesPrivateService([FromServices] Secret secret) { }
            }
            """);

        result.Found.ShouldBe(new[] { ("TF0012", "secret"), ("TF0012", "secrets"), ("TF0012", "guarded"), ("TF0012", "Task<Secret>") });
        result.ShouldGenerateOnly("UsesPrivateService");
    }

    [Fact]
    public void TF0013_invalid_retry_attribute_values()
    {
        var result = Diagnose("""
            public static partial class Tasks
            {
                [Task, Retry(-1)] public static void NegativeRetries() { }
                [Task, Retry(5000)] public static void TooManyRetries() { }
                [Task, Retry(3, DelaySeconds = -1)] public static void NegativeDelay() { }
                [Task, Retry(3, MaxDelaySeconds = double.PositiveInfinity)] public static void InfiniteMaxDelay() { }
                [Task, Retry(3, ScheduleSeconds = new[] { 1, -5.0 })] public static void NegativeSchedule() { }
                [Task, Retry(3, RetryOn = new[] { typeof(string) })] public static void NotAnException() { }
                [Task, Retry(3, DoNotRetryOn = new[] { typeof(ArgumentException), typeof(int) })] public static void OneNotAnException() { }
                [Task, Retry(3, Backoff = RetryBackoff.Fixed, DelaySeconds = 2, MaxDelaySeconds = 60, Jitter = false, ScheduleSeconds = new double[] { 1, 5, 30 }, RetryOn = new[] { typeof(TimeoutException) }, DoNotRetryOn = new[] { typeof(ArgumentException) })]
                public static void Good() { }
            }
            """);

        result.Found.ShouldBe(new[]
        {
            ("TF0013", "Retry(-1)"),
            ("TF0013", "Retry(5000)"),
            ("TF0013", "DelaySeconds = -1"),
            ("TF0013", "MaxDelaySeconds = double.PositiveInfinity"),
            ("TF0013", "ScheduleSeconds = new[] { 1, -5.0 }"),
            ("TF0013", "RetryOn = new[] { typeof(string) }"),
            ("TF0013", "DoNotRetryOn = new[] { typeof(ArgumentException), typeof(int) }"),
        });
        result.Messages.ShouldContain("[Retry] maxRetries = 5000 of task method 'Tasks.TooManyRetries()' is invalid: it must be between 0 and 1000");
        result.Messages.ShouldContain("[Retry] RetryOn = typeof(string) of task method 'Tasks.NotAnException()' is invalid: it is not an exception type");
        result.ShouldGenerateOnly("Good");
    }

    [Fact]
    public void TF0014_entity_key_placeholder_that_is_not_a_message_argument()
    {
        var result = Diagnose("""
            public interface IStore { }

            public static partial class Tasks
            {
                [Task(EntityKey = "note:{note}")] public static void Unknown(int noteId, int copies) { }
                [Task(EntityKey = "note:{NoteId}")] public static void WrongCase(int noteId) { }
                [Task(EntityKey = "note:{store}")] public static void Service(int noteId, IStore store) { }
                [Task(Queue = "q", EntityKey = "run:{context}/{cancellationToken}")] public static void Injected(TaskContext context, CancellationToken cancellationToken) { }
                [Task(EntityKey = "note:{a}")] public static void ReportedAsTF0003(ref int a) { }
                [Task(EntityKey = "note:{noteId}")] public static void Good(int noteId, IStore store, CancellationToken cancellationToken) { }
            }
            """);

        result.Found.ShouldBe(new[]
        {
            ("TF0003", "a"),
            ("TF0014", "EntityKey = \"note:{note}\""),
            ("TF0014", "EntityKey = \"note:{NoteId}\""),
            ("TF0014", "EntityKey = \"note:{store}\""),
            ("TF0014", "EntityKey = \"run:{context}/{cancellationToken}\""),
            ("TF0014", "EntityKey = \"run:{context}/{cancellationToken}\""),
        });
        result.Messages.ShouldContain("Placeholder '{note}' in [Task] EntityKey of task method 'Tasks.Unknown(int, int)' does not name a parameter; a placeholder names a message argument of the task (its message arguments: noteId, copies)");
        result.Messages.ShouldContain("Placeholder '{NoteId}' in [Task] EntityKey of task method 'Tasks.WrongCase(int)' does not name a parameter (did you mean 'noteId'?); a placeholder names a message argument of the task (its message arguments: noteId)");
        result.Messages.ShouldContain("Placeholder '{store}' in [Task] EntityKey of task method 'Tasks.Service(int, IStore)' names parameter 'store', which is injected (a service resolved from DI), not a message argument; a placeholder names a message argument of the task (its message arguments: noteId)");
        result.Messages.ShouldContain("Placeholder '{context}' in [Task] EntityKey of task method 'Tasks.Injected(TaskFlow.TaskContext, System.Threading.CancellationToken)' names parameter 'context', which is injected (the task context), not a message argument; a placeholder names a message argument of the task (the task has no message arguments)");
        result.Messages.ShouldContain("Placeholder '{cancellationToken}' in [Task] EntityKey of task method 'Tasks.Injected(TaskFlow.TaskContext, System.Threading.CancellationToken)' names parameter 'cancellationToken', which is injected (the cancellation token), not a message argument; a placeholder names a message argument of the task (the task has no message arguments)");
        result.ShouldGenerateOnly("Good");
    }

    [Fact]
    public void TF0015_malformed_entity_key_template()
    {
        var result = Diagnose("""
            public static partial class Tasks
            {
                [Task(EntityKey = "")] public static void Empty(int noteId) { }
                [Task(EntityKey = "  ")] public static void Whitespace(int noteId) { }
                [Task(EntityKey = "note:{noteId")] public static void Unclosed(int noteId) { }
                [Task(EntityKey = "note:{a{noteId}")] public static void OpenedTwice(int noteId) { }
                [Task(EntityKey = "note:{}")] public static void EmptyPlaceholder(int noteId) { }
                [Task(EntityKey = "note:noteId}")] public static void StrayClose(int noteId) { }
                [Task(EntityKey = "note:{noteId:D}")] public static void Format(int noteId) { }
                [Task(EntityKey = "note:{ noteId }")] public static void Spaces(int noteId) { }
                [Task(EntityKey = "note:{note.Id}")] public static void Member(int noteId) { }
                [Task(EntityKey = "LONG{noteId}")] public static void TooLong(int noteId) { }
                [Task(EntityKey = "{{literal}}:{noteId}:{{x}}")] public static void Good(int noteId) { }
                [Task(EntityKey = null)] public static void NoKey(int noteId) { }
            }
            """.Replace("LONG", new string('k', 256), StringComparison.Ordinal));

        result.Found.Select(found => found.Id).ShouldAllBe(id => id == "TF0015");
        result.Found.Select(found => found.Text).ShouldBe(new[]
        {
            "EntityKey = \"\"",
            "EntityKey = \"  \"",
            "EntityKey = \"note:{noteId\"",
            "EntityKey = \"note:{a{noteId}\"",
            "EntityKey = \"note:{}\"",
            "EntityKey = \"note:noteId}\"",
            "EntityKey = \"note:{noteId:D}\"",
            "EntityKey = \"note:{ noteId }\"",
            "EntityKey = \"note:{note.Id}\"",
            "EntityKey = \"" + new string('k', 256) + "{noteId}\"",
        });
        result.Messages.ShouldContain("[Task] EntityKey = \"\" of task method 'Tasks.Empty(int)' is malformed: it is empty or whitespace, and an entity key must have text");
        result.Messages.ShouldContain("[Task] EntityKey = \"note:{noteId\" of task method 'Tasks.Unclosed(int)' is malformed: the '{' at index 5 is not closed by a '}' (write '{{' for a literal brace)");
        result.Messages.ShouldContain("[Task] EntityKey = \"note:{a{noteId}\" of task method 'Tasks.OpenedTwice(int)' is malformed: the '{' at index 5 is not closed by a '}' (write '{{' for a literal brace)");
        result.Messages.ShouldContain("[Task] EntityKey = \"note:{}\" of task method 'Tasks.EmptyPlaceholder(int)' is malformed: the placeholder '{}' at index 5 is empty; name a message argument, e.g. '{noteId}' (or write '{{' and '}}' for literal braces)");
        result.Messages.ShouldContain("[Task] EntityKey = \"note:noteId}\" of task method 'Tasks.StrayClose(int)' is malformed: the '}' at index 11 closes no placeholder (write '}}' for a literal brace)");
        result.Messages.ShouldContain("[Task] EntityKey = \"note:{noteId:D}\" of task method 'Tasks.Format(int)' is malformed: the placeholder '{noteId:D}' at index 5 is not a parameter name; placeholders hold a parameter name only (no format, expression or spaces)");
        result.Messages.ShouldContain(message => message.StartsWith("[Task] EntityKey = \"kkk", StringComparison.Ordinal)
            && message.EndsWith("of task method 'Tasks.TooLong(int)' is malformed: its fixed text is 256 characters long, and an entity key is at most 255", StringComparison.Ordinal));
        result.ShouldGenerateOnly("Good", "NoKey");
    }

    [Fact]
    public void TF0016_entity_key_placeholder_of_a_type_that_cannot_be_part_of_a_key()
    {
        var result = Diagnose("""
            namespace N;

            public sealed record Note(int Id);

            public static partial class Tasks
            {
                [Task(EntityKey = "n:{ids}")] public static void Collection(List<int> ids) { }
                [Task(EntityKey = "n:{ids}")] public static void Array(long[] ids) { }
                [Task(EntityKey = "n:{note}")] public static void Complex(Note note) { }
                [Task(EntityKey = "n:{anything}")] public static void Object(object anything) { }
                [Task(EntityKey = "n:{id}")] public static void NullableValue(int? id) { }
                [Task(EntityKey = "n:{name}")] public static void NullableReference(string? name) { }
                [Task(EntityKey = "n:{ratio}")] public static void Floating(double ratio) { }
                [Task(EntityKey = "n:{when}")] public static void Time(DateTime when) { }
                [Task(EntityKey = "n:{when}")] public static void Offset(DateTimeOffset when) { }
                [Task(EntityKey = "n:{s}:{c}:{b}:{i}:{l}:{m}:{g}:{k}:{d}:{u}:{sb}:{big}")]
                public static void Good(string s, char c, bool b, int i, long l, decimal m, Guid g, DayOfWeek k, DateOnly d, ulong u, sbyte sb, Int128 big, List<int> other, double ratio) { }
            }
            """);

        result.Found.ShouldBe(new[]
        {
            ("TF0016", "EntityKey = \"n:{ids}\""),
            ("TF0016", "EntityKey = \"n:{ids}\""),
            ("TF0016", "EntityKey = \"n:{note}\""),
            ("TF0016", "EntityKey = \"n:{anything}\""),
            ("TF0016", "EntityKey = \"n:{id}\""),
            ("TF0016", "EntityKey = \"n:{name}\""),
            ("TF0016", "EntityKey = \"n:{ratio}\""),
            ("TF0016", "EntityKey = \"n:{when}\""),
            ("TF0016", "EntityKey = \"n:{when}\""),
        });
        result.Messages.ShouldContain("Placeholder '{ids}' in [Task] EntityKey of task method 'N.Tasks.Collection(System.Collections.Generic.List<int>)' is parameter 'ids' of type 'System.Collections.Generic.List<int>', which cannot be part of a key: a collection is many values, not the id of one entity");
        result.Messages.ShouldContain("Placeholder '{note}' in [Task] EntityKey of task method 'N.Tasks.Complex(N.Note)' is parameter 'note' of type 'N.Note', which cannot be part of a key: only strings, chars, bools, integers, decimals, Guids, enums and DateOnly values make keys; pass the entity's id as an argument of its own");
        result.Messages.ShouldContain("Placeholder '{id}' in [Task] EntityKey of task method 'N.Tasks.NullableValue(int?)' is parameter 'id' of type 'int?', which cannot be part of a key: it is nullable, and a key needs a value (a null would make one key for every call without one)");
        result.Messages.ShouldContain("Placeholder '{ratio}' in [Task] EntityKey of task method 'N.Tasks.Floating(double)' is parameter 'ratio' of type 'double', which cannot be part of a key: binary floating-point numbers have no stable text for one value; use an integer, a decimal or a string");
        result.ShouldGenerateOnly("Good");
    }

    [Fact]
    public void A_task_with_an_error_is_neither_generated_nor_registered()
    {
        var result = Diagnose("""
            public static partial class Tasks
            {
                [Task] public static void Good() { }
                [Task] public static void Bad(ref int a) { }
            }
            """);

        result.Run.HintNames.ShouldBe(new[] { "TaskFlow.TestAssembly.Registration.g.cs", "Tasks.Good.g.cs", "Tasks.g.cs" });
        var registration = result.Run.Source("TaskFlow.TestAssembly.Registration.g.cs");
        registration.ShouldContain("Registers the 1 task of assembly");
        registration.ShouldNotContain("BadDescriptor");
    }

    [Fact]
    public void Shapes_that_must_not_report_anything()
    {
        var result = Diagnose("""
            using System.IO;

            namespace Fine;

            public interface IService { }
            public sealed record Payload(string Name);

            public abstract partial class AbstractHost
            {
                [Task] public static Task StaticOnAbstract(int a) => Task.CompletedTask;
            }

            public partial class Host
            {
                [Task] private void PrivateInstance(IService service, Payload payload, CancellationToken cancellationToken) { }
                [Task] protected internal static int ProtectedInternal(IEnumerable<int> numbers) => 0;
                public partial class Client { }
            }

            public partial record RecordHost(int Id)
            {
                [Task] public void OnRecord(IReadOnlyDictionary<string, Payload?> map, Stream stream, TaskContext context) { }
            }

            internal static partial class InternalHost
            {
                internal static partial class Nested
                {
                    [Task(Name = "Celery.Compatible:name/v1", Queue = "celery")] internal static void Celery(object? anything, dynamic dyn) { }
                    [Task(EntityKey = "order:{orderId}/{{line}}", IgnoreResult = true)] internal static int Keyed(long orderId, IService service, CancellationToken cancellationToken) => 0;
                }
            }

            public partial interface IHost
            {
                [Task] public static Task<int> OnInterface() => Task.FromResult(1);
            }
            """);

        result.Found.ShouldBeEmpty();
        result.Run.ShouldCompileCleanly();
    }

    [Fact]
    public void Descriptors_are_errors_with_help_links_to_existing_pages_and_release_notes()
    {
        var repository = Path.GetFullPath(Path.Combine(Baseline.Directory, "..", "..", ".."));
        var unshipped = File.ReadAllText(Path.Combine(repository, "src", "Generators", "AnalyzerReleases.Unshipped.md"));
        var ids = typeof(DiagnosticIds).GetFields().Select(field => (string)field.GetRawConstantValue()!).ToList();
        ids.Distinct().Count().ShouldBe(ids.Count);
        DiagnosticDescriptors.ById.Keys.OrderBy(id => id, StringComparer.Ordinal).ShouldBe(ids.OrderBy(id => id, StringComparer.Ordinal));

        foreach (var descriptor in DiagnosticDescriptors.ById.Values)
        {
            descriptor.Id.ShouldMatch(@"^TF\d{4}$");
            descriptor.DefaultSeverity.ShouldBe(DiagnosticSeverity.Error);
            descriptor.Category.ShouldBe("TaskFlow.Generator");
            descriptor.HelpLinkUri.ShouldBe("https://github.com/taskflow-dotnet/taskflow/blob/main/docs/diagnostics/" + descriptor.Id + ".md");
            File.Exists(Path.Combine(repository, "docs", "diagnostics", descriptor.Id + ".md")).ShouldBeTrue(descriptor.Id + " has no page");
            unshipped.ShouldContain(descriptor.Id + " | TaskFlow.Generator | Error |");
        }
    }

    [Fact]
    public void Diagnostic_locations_carry_path_and_line()
    {
        var result = Diagnose("""
            public static class NotPartial
            {
                [Task] public static void Bad() { }
            }
            """);

        var diagnostic = result.Run.Diagnostics.Single();
        var span = diagnostic.Location.GetLineSpan();
        span.Path.ShouldBe("Source0.cs");
        span.StartLinePosition.Line.ShouldBe(Usings.Split('\n').Length + 1);
    }

    private static DiagnosticResult Diagnose(string source, bool allowUnsafe = false)
    {
        var compilation = GeneratorHarness.CreateCompilation(Usings + source);
        if (allowUnsafe)
        {
            compilation = compilation.WithOptions(compilation.Options.WithAllowUnsafe(true));
        }

        var run = GeneratorHarness.Run(compilation);
        var text = compilation.SyntaxTrees[0].ToString();
        var found = run.Diagnostics
            .OrderBy(diagnostic => diagnostic.Id, StringComparer.Ordinal)
            .ThenBy(diagnostic => diagnostic.Location.SourceSpan.Start)
            .Select(diagnostic => (diagnostic.Id, text.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length)))
            .ToList();

        // Whatever was generated next to the errors compiles.
        var generatedTrees = run.Output.SyntaxTrees.Except(compilation.SyntaxTrees).ToHashSet();
        run.Output.GetDiagnostics()
            .Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error && diagnostic.Location.SourceTree is { } tree && generatedTrees.Contains(tree))
            .ShouldBeEmpty();
        return new DiagnosticResult(run, found, run.Diagnostics.Select(diagnostic => diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList());
    }

    private sealed record DiagnosticResult(GeneratorRun Run, List<(string Id, string Text)> Found, List<string> Messages)
    {
        /// <summary>Exactly these task methods got a file (and nothing else but their containers and the registration).</summary>
        public void ShouldGenerateOnly(params string[] methods)
        {
            var taskFiles = Run.Result.GeneratedSources
                .Select(source => source.HintName)
                .Where(name => !name.StartsWith("TaskFlow.", StringComparison.Ordinal))
                .Select(name => name[..^".g.cs".Length])
                .Where(name => methods.Any(method => name.EndsWith("." + method, StringComparison.Ordinal)))
                .Select(name => name[(name.LastIndexOf('.') + 1)..])
                .OrderBy(name => name, StringComparer.Ordinal);
            taskFiles.ShouldBe(methods.OrderBy(name => name, StringComparer.Ordinal));

            var registration = Run.Result.GeneratedSources.Single(source => source.HintName.StartsWith("TaskFlow.", StringComparison.Ordinal)).SourceText.ToString();
            Regex.Count(registration, @"builder\.AddTask\(").ShouldBe(methods.Length);
        }
    }

    [Fact]
    public void A_concurrency_key_without_a_limit_or_with_a_bad_template_and_a_negative_limit_are_reported()
    {
        var result = Diagnose("""
            public static partial class Tasks
            {
                [Task(ConcurrencyKey = "tenant:{tenant}")] public static void NoLimit(string tenant) { }
                [Task(MaxConcurrency = 1, ConcurrencyKey = "tenant:{tenantId}")] public static void WrongName(string tenant) { }
                [Task(MaxConcurrency = -1)] public static void Negative() { }
                [Task(MaxConcurrency = 1, ConcurrencyKey = "tenant:{tenant}")] public static void Good(string tenant) { }
            }
            """);

        result.Messages.ShouldContain("[Task] ConcurrencyKey = \"tenant:{tenant}\" of task method 'Tasks.NoLimit(string)' is invalid: it limits nothing without MaxConcurrency; add MaxConcurrency = 1 (or the number of runs allowed at once per key)");
        result.Messages.ShouldContain("Placeholder '{tenantId}' in [Task] ConcurrencyKey of task method 'Tasks.WrongName(string)' does not name a parameter; a placeholder names a message argument of the task (its message arguments: tenant)");
        result.Messages.ShouldContain(message => message.Contains("MaxConcurrency = -1", StringComparison.Ordinal) && message.Contains("it is negative", StringComparison.Ordinal));
        result.ShouldGenerateOnly("Good");
    }

    [Fact]
    public void Unique_keys_are_checked_like_entity_keys_and_a_period_or_scope_that_cannot_work_is_reported()
    {
        var result = Diagnose("""
            public static partial class Tasks
            {
                [Task(Unique = "note:{noteid}")] public static void WrongName(int noteId) { }
                [Task(Unique = "note:{noteId")] public static void Malformed(int noteId) { }
                [Task(Unique = "note:{when}")] public static void Instant(System.DateTime when) { }
                [Task(Unique = "note:{noteId}", UniqueScope = UniqueScope.ForPeriod)] public static void NoPeriod(int noteId) { }
                [Task(Unique = "note:{noteId}", UniqueFor = -5)] public static void Negative(int noteId) { }
                [Task(UniqueFor = 60)] public static void NoKey(int noteId) { }
                [Task(Unique = "note:{noteId}", UniqueFor = 300, UniqueScope = UniqueScope.ForPeriod)] public static void Good(int noteId) { }
                [Task(Unique = "cleanup")] public static void Constant() { }
            }
            """);

        result.Messages.ShouldContain("Placeholder '{noteid}' in [Task] Unique of task method 'Tasks.WrongName(int)' does not name a parameter (did you mean 'noteId'?); a placeholder names a message argument of the task (its message arguments: noteId)");
        result.Messages.ShouldContain(message => message.StartsWith("[Task] Unique = \"note:{noteId\" of task method 'Tasks.Malformed(int)' is malformed", StringComparison.Ordinal));
        result.Messages.ShouldContain(message => message.Contains("in [Task] Unique of task method 'Tasks.Instant(System.DateTime)'", StringComparison.Ordinal));
        result.Messages.ShouldContain("[Task] UniqueScope = UniqueScope.ForPeriod of task method 'Tasks.NoPeriod(int)' is invalid: ForPeriod holds the key for UniqueFor seconds; set UniqueFor (e.g. UniqueFor = 300)");
        result.Messages.ShouldContain(message => message.Contains("UniqueFor = -5", StringComparison.Ordinal) && message.Contains("it is negative", StringComparison.Ordinal));
        result.Messages.ShouldContain("[Task] UniqueFor = 60 of task method 'Tasks.NoKey(int)' is invalid: it has no effect without Unique; add Unique = \"...\" (the key template)");
        result.ShouldGenerateOnly("Good", "Constant");
    }

    [Fact]
    public void Invalid_rate_limits_and_a_key_or_burst_without_a_rate_are_reported()
    {
        var result = Diagnose("""
            public static partial class Tasks
            {
                [Task(RateLimit = "100 per minute")] public static void NoSlash() { }
                [Task(RateLimit = "100/d")] public static void BadUnit() { }
                [Task(RateLimit = "0/s")] public static void Zero() { }
                [Task(RateLimit = "1000001/s")] public static void TooMany() { }
                [Task(RateLimit = "10/s", RateLimitBurst = 0)] public static void NoBurst() { }
                [Task(RateLimitKey = "tenant:{tenant}")] public static void KeyWithoutRate(string tenant) { }
                [Task(RateLimitBurst = 5)] public static void BurstWithoutRate() { }
                [Task(RateLimit = "5/m", RateLimitKey = "tenant:{tenantId}")] public static void WrongName(string tenant) { }
                [Task(RateLimit = "5/h", RateLimitKey = "tenant:{tenant}", RateLimitBurst = 2)] public static void Good(string tenant) { }
            }
            """);

        result.Messages.ShouldContain("[Task] RateLimit = \"100 per minute\" of task method 'Tasks.NoSlash()' is invalid: write it as a count per second, minute or hour, e.g. \"100/m\" (forms n/s, n/m, n/h)");
        result.Messages.ShouldContain("[Task] RateLimit = \"100/d\" of task method 'Tasks.BadUnit()' is invalid: the unit 'd' is not s, m or h (forms n/s, n/m, n/h)");
        result.Messages.ShouldContain("[Task] RateLimit = \"0/s\" of task method 'Tasks.Zero()' is invalid: the count '0' is not a whole number from 1 to 1,000,000");
        result.Messages.ShouldContain(message => message.Contains("Tasks.TooMany()", StringComparison.Ordinal) && message.Contains("the count '1000001'", StringComparison.Ordinal));
        result.Messages.ShouldContain(message => message.Contains("RateLimitBurst = 0", StringComparison.Ordinal) && message.Contains("1 to 10,000", StringComparison.Ordinal));
        result.Messages.ShouldContain("[Task] RateLimitKey = \"tenant:{tenant}\" of task method 'Tasks.KeyWithoutRate(string)' is invalid: it limits nothing without RateLimit; add RateLimit = \"100/m\" (runs per second, minute or hour, per key)");
        result.Messages.ShouldContain(message => message.Contains("RateLimitBurst = 5", StringComparison.Ordinal) && message.Contains("Tasks.BurstWithoutRate()", StringComparison.Ordinal));
        result.Messages.ShouldContain("Placeholder '{tenantId}' in [Task] RateLimitKey of task method 'Tasks.WrongName(string)' does not name a parameter; a placeholder names a message argument of the task (its message arguments: tenant)");
        result.ShouldGenerateOnly("Good");
    }

    [Fact]
    public void An_order_key_without_Ordered_or_naming_no_argument_is_reported()
    {
        var result = Diagnose("""
            public static partial class Tasks
            {
                [Task(OrderKey = "account:{account}")] public static void KeyWithoutOrdered(int account) { }
                [Task(Ordered = false, OrderKey = "account:{account}")] public static void KeyNotOrdered(int account) { }
                [Task(Ordered = true, OrderKey = "account:{accountId}")] public static void WrongName(int account) { }
                [Task(Ordered = true, OrderKey = "account:{account")] public static void Malformed(int account) { }
                [Task(Ordered = true, OrderKey = "account:{account}")] public static void Good(int account) { }
                [Task(Ordered = true)] public static void WholeTask() { }
            }
            """);

        result.Messages.ShouldContain("[Task] OrderKey = \"account:{account}\" of task method 'Tasks.KeyWithoutOrdered(int)' is invalid: it orders nothing without Ordered = true; add Ordered = true (tasks of one key then run one at a time, in enqueue order)");
        result.Messages.ShouldContain(message => message.Contains("Tasks.KeyNotOrdered(int)", StringComparison.Ordinal) && message.Contains("without Ordered = true", StringComparison.Ordinal));
        result.Messages.ShouldContain("Placeholder '{accountId}' in [Task] OrderKey of task method 'Tasks.WrongName(int)' does not name a parameter; a placeholder names a message argument of the task (its message arguments: account)");
        result.Messages.ShouldContain(message => message.Contains("Tasks.Malformed(int)", StringComparison.Ordinal) && message.Contains("OrderKey", StringComparison.Ordinal));
        result.ShouldGenerateOnly("Good", "WholeTask");
    }
}
