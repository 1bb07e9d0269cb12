using System;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Internal;

/// <summary>The logs of waiting for results through notifications (<see cref="StateWaits"/>): event ids 5095-5099.</summary>
internal static partial class StateLog
{
    [LoggerMessage(5095, LogLevel.Warning, "State store schema {Schema}: the connection listening for final states (channel {Channel}) failed or could not be opened; waiters fall back to reading every {PollInterval} until it is back (reconnecting with backoff up to {MaxDelay})")]
    public static partial void ListenLost(ILogger logger, Exception exception, string schema, string channel, TimeSpan pollInterval, TimeSpan maxDelay);

    [LoggerMessage(5096, LogLevel.Information, "State store schema {Schema}: listening for final states on channel {Channel} again after {Attempts} failed attempt(s); waiters re-read their tasks now")]
    public static partial void ListenRestored(ILogger logger, string schema, string channel, int attempts);

    [LoggerMessage(5097, LogLevel.Debug, "State store schema {Schema}: listening for final states on channel {Channel}")]
    public static partial void Listening(ILogger logger, string schema, string channel);

    [LoggerMessage(5098, LogLevel.Debug, "State store schema {Schema}: reconnecting the listening connection failed again (attempt {Attempt})")]
    public static partial void ListenRetryFailed(ILogger logger, Exception exception, string schema, int attempt);
}
