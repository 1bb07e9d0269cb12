using System.ComponentModel;
using System.Threading.Tasks;

namespace TaskFlow.Infrastructure;

/// <summary>Runs one task from its deserialized invocation. Generated; no reflection.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate ValueTask<object?> TaskInvoker(TaskInvocation invocation);
