using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TaskFlow.Core;

namespace TaskFlow.State.Internal;

/// <summary>
/// The store part of the <c>taskflow</c> health check: the database answers (one query: the schema version) and its
/// schema is at the version this TaskFlow needs.
/// </summary>
internal sealed class StoreHealthPart : ITaskFlowHealthPart
{
    private readonly TaskStateStore _store;

    public StoreHealthPart(TaskStateStore store)
    {
        _store = store;
    }

    public string Name => "store";

    public async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        var (current, required) = await _store.GetSchemaVersionAsync(cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["schema"] = current,
            ["required"] = required,
        };
        if (current < required)
        {
            return HealthCheckResult.Unhealthy(
                $"The state store's schema is at version {current}, this TaskFlow needs {required}: run `taskflow schema apply` or leave TaskStateOptions.ApplySchemaAutomatically on.", data: data);
        }

        return HealthCheckResult.Healthy($"State store reachable, schema version {current}.", data);
    }
}
