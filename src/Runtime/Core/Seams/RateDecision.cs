using System;

namespace TaskFlow.Core;

/// <summary>What a rate limit lets one delivery do (<see cref="RateLimits.AdmitAsync"/>).</summary>
/// <param name="DeferUntil">Not yet: send it round the delay levels until then (<c>null</c>: it may start).</param>
/// <param name="StartAt">It may start at this time (waited for in the task slot when it is a little ahead).</param>
/// <param name="Slot">The arrival slot it reserved (or carried), carried on a copy (<see cref="Protocol.MessageHeaders.RateSlot"/>).</param>
internal readonly record struct RateDecision(DateTimeOffset? DeferUntil, DateTimeOffset StartAt, DateTimeOffset? Slot);
