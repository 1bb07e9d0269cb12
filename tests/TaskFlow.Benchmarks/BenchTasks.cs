using System.Threading.Tasks;

namespace TaskFlow.Benchmarks;

/// <summary>
/// The benchmark's only task: a no-op that reports to <see cref="Probe"/>. Its queue is the options'
/// DefaultQueue, so that each run and phase gets a fresh queue while callers use the generated
/// <c>DelayAsync</c> unchanged. ~128-byte body: an 8-byte timestamp argument and a padding string.
/// </summary>
public partial class BenchTasks
{
    /// <summary>Counts the completion; <paramref name="sentAt"/> and <paramref name="payload"/> are only carried.</summary>
    [Task]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "An instance task, the common shape: the worker resolves the container per message.")]
    public Task Noop(long sentAt, string payload)
    {
        _ = sentAt;
        _ = payload;
        Probe.Complete();
        return Task.CompletedTask;
    }
}
