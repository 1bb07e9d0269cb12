using System;
using System.Threading.Tasks;

namespace TaskFlow.Dashboard.Internal;

/// <summary>Reads one source of a page (store, broker, health check) so that one that fails shows its error in its own section, not a broken page.</summary>
internal static class Sources
{
    public static async Task<(T? Value, string? Error)> TryAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return (await read().ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            return (default, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    public static string Error(string what, string error) => $"<p class=\"error\">{Html.E(what)}: {Html.E(error)}</p>";
}
