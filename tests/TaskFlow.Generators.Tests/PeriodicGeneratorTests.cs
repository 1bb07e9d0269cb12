using Shouldly;
using TaskFlow.Generators.Tests.Infrastructure;
using Xunit;

namespace TaskFlow.Generators.Tests;

/// <summary>
/// <c>[Periodic]</c>: the generated <c>Add{Assembly}Tasks()</c> registers each schedule with the task's descriptor, its
/// constant arguments in the generated argument struct, and its timing and policies; one the analyzer reports (TF1013)
/// is left out, so the registration always compiles.
/// </summary>
public sealed class PeriodicGeneratorTests
{
    [Fact]
    public void Periodic_schedules_are_registered_with_their_arguments_timing_and_policies()
    {
        var run = GeneratorHarness.RunAndCompile("""
            using System.Threading;
            using System.Threading.Tasks;
            using TaskFlow;
            using TaskFlow.Scheduling;

            namespace Notes;

            public static partial class NotesTasks
            {
                [Task, Periodic("*/5 * * * *", TimeZone = "Europe/Paris")]
                public static Task PurgeTrash(CancellationToken cancellationToken) => Task.CompletedTask;

                [Task(Name = "notes.cleanup")]
                [Periodic("0 3 * * *", Name = "cleanup-eu", Arguments = new object[] { "eu", 3 }, Overlap = OverlapPolicy.BufferOne)]
                [Periodic(Every = "00:10:00", Name = "cleanup-us", Arguments = new object[] { "us", 1L }, CatchUp = CatchUpPolicy.RunAll, CatchUpWindow = "06:00:00")]
                public static void Cleanup(string region, long depth) { }

                [Task, Periodic("0 4 * * *", Arguments = new object[] { 42 })]
                public static void WrongArgument(string region) { }
            }
            """, assemblyName: "Notes");

        var registration = run.Source("TaskFlow.Notes.Registration.g.cs");
        registration.ShouldContain("AddPeriodic(builder, \"cleanup-eu\", global::Notes.NotesTasks.Client.CleanupDescriptor, new global::Notes.NotesTasks.Client.CleanupArguments(\"eu\", 3)");
        registration.ShouldNotContain("WrongArgumentArguments(");
        Baseline.Verify(nameof(Periodic_schedules_are_registered_with_their_arguments_timing_and_policies), run);
    }
}
