using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>Revokes a task by id (the state store); what <see cref="TaskHandle.CancelAsync"/> calls.</summary>
internal interface ITaskRevoker
{
    Task<bool> RevokeAsync(string taskId, CancellationToken cancellationToken);
}
