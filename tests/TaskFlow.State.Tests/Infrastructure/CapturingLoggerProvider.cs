using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;

namespace TaskFlow.State.Tests;

/// <summary>Keeps every warning and error a host logs, with its event id (register it as an <see cref="ILoggerProvider"/>).</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(int Id, LogLevel Level, string Message)> Events { get; } = new();

    /// <summary>The messages of event <paramref name="id"/>.</summary>
    public IEnumerable<string> Of(int id) => Events.Where(e => e.Id == id).Select(e => e.Message);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                owner.Events.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
            }
        }
    }
}
