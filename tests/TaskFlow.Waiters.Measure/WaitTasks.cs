using System.Threading;
using System.Threading.Tasks;
using TaskFlow;

namespace TaskFlow.Waiters.Measure;

/// <summary>The task the waiters wait for.</summary>
public static partial class WaitTasks
{
    /// <summary>Sleeps <paramref name="milliseconds"/> and returns <paramref name="n"/>.</summary>
    [Task(Name = "waiters_measure.sleep")]
    public static async Task<int> Sleep(int n, int milliseconds, CancellationToken cancellationToken)
    {
        await Task.Delay(milliseconds, cancellationToken);
        return n;
    }
}
