using System;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Waiters.Measure;

/// <summary>
/// Counts the commands one Npgsql data source completes: its "Command execution completed" log (category
/// <c>Npgsql.Command</c>, Information), one per statement sent, whatever sent it. Nothing is written anywhere.
/// </summary>
public sealed class CommandCounter : ILoggerProvider, ILogger
{
    private long _commands;

    public long Commands => Interlocked.Read(ref _commands);

    public ILogger CreateLogger(string categoryName) => categoryName == "Npgsql.Command" ? this : NullLogger.Instance;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= LogLevel.Information && formatter(state, exception).StartsWith("Command execution completed", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _commands);
        }
    }

    public void Dispose()
    {
    }

    private sealed class NullLogger : ILogger
    {
        public static readonly NullLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
