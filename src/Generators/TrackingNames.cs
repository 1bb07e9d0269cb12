using System.Collections.Immutable;

namespace TaskFlow.Generators;

/// <summary>The names given to the incremental steps with <c>WithTrackingName</c>, so that tests can check that each stays cached.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Diagnostics = nameof(Diagnostics);
    public const string Tasks = nameof(Tasks);
    public const string NameClaims = nameof(NameClaims);
    public const string AllNameClaims = nameof(AllNameClaims);
    public const string GenerationFacts = nameof(GenerationFacts);
    public const string DuplicateNameDiagnostics = nameof(DuplicateNameDiagnostics);
    public const string TasksWithFacts = nameof(TasksWithFacts);
    public const string TaskFiles = nameof(TaskFiles);
    public const string EmittableTasks = nameof(EmittableTasks);
    public const string AllEmittableTasks = nameof(AllEmittableTasks);
    public const string Containers = nameof(Containers);
    public const string AssemblyName = nameof(AssemblyName);
    public const string ContainersWithFacts = nameof(ContainersWithFacts);
    public const string ContainersWithAssembly = nameof(ContainersWithAssembly);
    public const string Registration = nameof(Registration);
    public const string RegistrationWithAssembly = nameof(RegistrationWithAssembly);
    public const string TestingReferenced = nameof(TestingReferenced);
    public const string SentAccessors = nameof(SentAccessors);
    public const string SentAccessorsWithAssembly = nameof(SentAccessorsWithAssembly);

    public static readonly ImmutableArray<string> All = ImmutableArray.Create(
        Parse,
        Diagnostics,
        Tasks,
        NameClaims,
        AllNameClaims,
        GenerationFacts,
        DuplicateNameDiagnostics,
        TasksWithFacts,
        TaskFiles,
        EmittableTasks,
        AllEmittableTasks,
        Containers,
        AssemblyName,
        ContainersWithFacts,
        ContainersWithAssembly,
        Registration,
        RegistrationWithAssembly,
        TestingReferenced,
        SentAccessors,
        SentAccessorsWithAssembly);
}
