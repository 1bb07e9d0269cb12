using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace TaskFlow.EfCore.Tests;

/// <summary>TaskFlow's summary line per settled delivery (event 4009), by task id.</summary>
public sealed class SummaryLines : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == 4009)
        {
            _lines.Enqueue(formatter(state, exception));
        }
    }

    public string[] For(string taskId) => _lines.Where(line => line.Contains("[" + taskId + "]", StringComparison.Ordinal)).ToArray();

    public async Task WaitForAsync(string taskId, int count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (For(taskId).Length < count)
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"{For(taskId).Length} of {count} summary lines for task {taskId} after {timeout}: [{string.Join(" | ", _lines)}]");
            }

            await Task.Delay(50);
        }
    }
}
