namespace TaskFlow.Generators;

/// <summary>
/// The ids of the diagnostics reported by the TaskFlow generator. An id is never renumbered or reused;
/// each has a page at <c>docs/diagnostics/{Id}.md</c>.
/// </summary>
internal static class DiagnosticIds
{
    public const string ContainingTypeNotPartial = "TF0001";
    public const string GenericTaskMethod = "TF0002";
    public const string UnsupportedParameter = "TF0003";
    public const string UnsupportedReturnType = "TF0004";
    public const string GenericContainingType = "TF0005";
    public const string DuplicateTaskName = "TF0006";
    public const string InaccessibleContainingType = "TF0007";
    public const string InvalidTaskAttributeValue = "TF0008";
    public const string DuplicateTaskMemberName = "TF0009";
    public const string TaskNotInvocable = "TF0010";
    public const string ClientMemberConflict = "TF0011";
    public const string InaccessibleArgumentType = "TF0012";
    public const string InvalidRetryAttributeValue = "TF0013";
    public const string EntityKeyPlaceholderNotAnArgument = "TF0014";
    public const string MalformedEntityKey = "TF0015";
    public const string EntityKeyPlaceholderType = "TF0016";
}
