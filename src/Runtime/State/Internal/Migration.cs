using System.Collections.Generic;

namespace TaskFlow.State.Internal;

/// <summary>One schema migration: a version and the statements that bring the schema to it (run in one transaction).</summary>
internal sealed record Migration(int Version, string Description, IReadOnlyList<string> Statements);
