namespace TaskFlow.Generators.Model;

/// <summary>The type that declares one or more tasks, and the types enclosing it.</summary>
/// <param name="Namespace">The namespace, e.g. <c>Signup</c>; empty for the global namespace.</param>
/// <param name="Types">The type declarations from the outermost to the containing type itself.</param>
/// <param name="FullyQualifiedName">E.g. <c>global::Signup.SignupTasks</c>.</param>
/// <param name="DisplayName">The type names joined by dots, e.g. <c>SignupTasks</c> or <c>Outer.Inner</c>.</param>
/// <param name="ClientHidesInheritedMember">Whether a base type has a member named <c>Client</c>, so the generated class needs <c>new</c>.</param>
internal sealed record ContainerSpec(
    string Namespace,
    EquatableArray<TypeDeclarationSpec> Types,
    string FullyQualifiedName,
    string DisplayName,
    bool ClientHidesInheritedMember)
{
    /// <summary>E.g. <c>global::Signup.SignupTasks.Client</c>.</summary>
    public string ClientFullyQualifiedName => FullyQualifiedName + ".Client";
}
