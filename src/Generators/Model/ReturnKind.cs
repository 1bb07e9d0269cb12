namespace TaskFlow.Generators.Model;

/// <summary>How a task method returns.</summary>
internal enum ReturnKind
{
    /// <summary><c>void</c>.</summary>
    Void,

    /// <summary>A value of type <c>T</c>, returned synchronously.</summary>
    Value,

    /// <summary><see cref="System.Threading.Tasks.Task"/>.</summary>
    Task,

    /// <summary><c>Task&lt;T&gt;</c>.</summary>
    TaskOfT,

    /// <summary><c>ValueTask</c>.</summary>
    ValueTask,

    /// <summary><c>ValueTask&lt;T&gt;</c>.</summary>
    ValueTaskOfT,
}
