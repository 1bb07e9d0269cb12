using System.Data;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Core;

/// <summary>Opens the database transaction a task does its own work in (<see cref="TaskContext.GetTransactionAsync(CancellationToken)"/>).</summary>
internal interface ITaskTransactionSource
{
    ValueTask<DbTransaction> GetTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken);
}
