using System;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace TaskFlow.Interop.Tests.Infrastructure;

/// <summary>Writes TaskFlow's logs to the xunit test output, so that a failure shows what the worker did.</summary>
internal sealed class TestOutputLoggerProvider : ILoggerProvider
{
    private readonly ITestOutputHelper _output;

    public TestOutputLoggerProvider(ITestOutputHelper output)
    {
        _output = output;
    }

    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(_output, categoryName);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger : ILogger
    {
        private readonly ITestOutputHelper _output;
        private readonly string _category;

        public TestOutputLogger(ITestOutputHelper output, string category)
        {
            _output = output;
            _category = category.StartsWith("TaskFlow.", StringComparison.Ordinal) ? category["TaskFlow.".Length..] : category;
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            try
            {
                _output.WriteLine($"[taskflow {DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {_category}] {formatter(state, exception)}{(exception is null ? string.Empty : Environment.NewLine + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test already finished (a late log line from shutdown).
            }
        }
    }
}
