using System;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Npgsql;
using TaskFlow.TestSupport;

namespace TaskFlow.State.Tests;

/// <summary>Server connections counted in pg_stat_activity, by the Application Name of the data source that opened them.</summary>
internal static class PgConnections
{
    /// <summary>A data source whose connections carry a new application name (returned), to count them.</summary>
    public static (NpgsqlDataSource Source, string Application) NamedSource()
    {
        var application = "tf-test-" + Guid.NewGuid().ToString("N")[..12];
        return (NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString + ";Application Name=" + application), application);
    }

    /// <summary>Runs <paramref name="work"/> and returns its result with the most server connections of <paramref name="application"/> at once meanwhile.</summary>
    public static async Task<(T Result, long Peak)> WhileCountingAsync<T>(string application, Func<Task<T>> work)
    {
        using var sampling = new CancellationTokenSource();
        var peak = PeakAsync(application, sampling.Token);
        var result = await work();
        await sampling.CancelAsync();
        return (result, await peak);
    }

    /// <summary>The most server connections of <paramref name="application"/> at once, sampled every 10 ms until cancelled.</summary>
    public static async Task<long> PeakAsync(string application, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.PostgresConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        long peak = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            peak = Math.Max(peak, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = @application", new { application }));
            try
            {
                await Task.Delay(10, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return peak;
    }
}
