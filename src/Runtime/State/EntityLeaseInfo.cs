using System;

namespace TaskFlow.State;

/// <summary>The lease held on an entity now (<see cref="TaskStateStore.GetEntityLeaseAsync"/>), as the dashboard shows it.</summary>
/// <param name="EntityKey">The entity (e.g. <c>note:42</c>).</param>
/// <param name="Holder">Who holds it: the lease's holder id.</param>
/// <param name="ExpiresAt">When it lapses unless renewed or released.</param>
public sealed record EntityLeaseInfo(string EntityKey, string Holder, DateTimeOffset ExpiresAt);
