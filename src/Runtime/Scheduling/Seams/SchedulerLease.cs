namespace TaskFlow.Scheduling;

/// <summary>A held scheduler lease: its name, this holder, and the fencing token every write of the holder is checked against.</summary>
internal sealed record SchedulerLease(string Name, string Holder, long Token);
