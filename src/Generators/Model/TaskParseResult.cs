using System.Linq;

namespace TaskFlow.Generators.Model;

/// <summary>What the parser made of one <c>[Task]</c> method: the task (unless it has errors) and the diagnostics.</summary>
/// <param name="Task">The task to generate, or <c>null</c> when an error was reported.</param>
/// <param name="Location">Where the method name is, for diagnostics that need all tasks (duplicate names).</param>
/// <param name="Diagnostics">The errors found.</param>
internal sealed record TaskParseResult(TaskSpec? Task, LocationInfo? Location, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>A task's claims on names that must be unique in the compilation: its wire name and its hint names.</summary>
/// <param name="TaskName">The wire name.</param>
/// <param name="MethodDisplay">The method, for the duplicate-name diagnostic.</param>
/// <param name="TaskHintName">The preferred hint name of the task's file.</param>
/// <param name="ContainerHintName">The preferred hint name of the container's file.</param>
/// <param name="Location">Where to report a duplicate name.</param>
internal sealed record TaskNameClaim(string TaskName, string MethodDisplay, string TaskHintName, string ContainerHintName, LocationInfo? Location);

/// <summary>What the per-task and per-container outputs need to know about the whole compilation.</summary>
/// <param name="DuplicateTaskNames">Wire names used by more than one task (TF0006): those tasks generate nothing.</param>
/// <param name="CollidingHintNames">
/// Preferred hint names that differ from another only by case (e.g. types <c>Ns.a</c> and <c>Ns.A</c>). Hint names
/// must be unique ignoring case, so these get a suffix.
/// </param>
internal sealed record GenerationFacts(EquatableArray<string> DuplicateTaskNames, EquatableArray<string> CollidingHintNames)
{
    public string HintName(string preferred)
    {
        if (!CollidingHintNames.Contains(preferred))
        {
            return preferred;
        }

        // Fowler-Noll-Vo (FNV-1a) over the exact-case name: stable across runs and platforms.
        var hash = 2166136261u;
        foreach (var c in preferred)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        const string Extension = ".g.cs";
        return preferred.Substring(0, preferred.Length - Extension.Length) + "." + hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + Extension;
    }
}

/// <summary>One task to emit, with its final hint name.</summary>
internal sealed record TaskFile(string HintName, TaskSpec Task);

/// <summary>What the registration extension registers, in ordinal order.</summary>
/// <param name="TaskCount">How many tasks.</param>
/// <param name="Descriptors">The descriptor fields, e.g. <c>global::Signup.SignupTasks.Client.SendWelcomeEmailDescriptor</c>.</param>
/// <param name="Clients">The Client classes (singletons).</param>
/// <param name="ScopedContainers">The containers with instance tasks (scoped).</param>
/// <param name="Schedules">The statements registering the <c>[Periodic]</c> schedules.</param>
internal sealed record RegistrationSpec(
    int TaskCount,
    EquatableArray<string> Descriptors,
    EquatableArray<string> Clients,
    EquatableArray<string> ScopedContainers,
    EquatableArray<string> Schedules = default);
