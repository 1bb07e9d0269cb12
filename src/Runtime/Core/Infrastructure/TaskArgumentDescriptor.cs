using System.ComponentModel;

namespace TaskFlow.Infrastructure;

/// <summary>One message argument of a task.</summary>
/// <param name="Name">The parameter name (camelCase, as declared).</param>
/// <param name="WireName">The keyword name accepted from Celery clients (snake_case).</param>
/// <param name="TypeName">The parameter type, for error messages.</param>
/// <param name="HasDefault">Whether the argument may be omitted.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record TaskArgumentDescriptor(string Name, string WireName, string TypeName, bool HasDefault)
{
    /// <summary>From <c>[Sensitive]</c>: the value is shown as <c>***</c> wherever arguments are shown (header <c>x-taskflow-sensitive</c>).</summary>
    public bool Sensitive { get; init; }
}
