using System.Text.Json;
using TaskFlow.Infrastructure;

namespace TaskFlow.Scheduling.Internal;

/// <summary>A schedule declared in code (<see cref="PeriodicAttribute"/> through the generated registration, or <c>AddSchedule</c>), registered in DI.</summary>
internal sealed class DeclaredSchedule
{
    public DeclaredSchedule(string name, TaskDescriptor task, ITaskArgumentWriter? arguments, string? queue, ScheduleOptions options)
    {
        Name = name;
        Task = task;
        Arguments = arguments;
        Queue = queue;
        Options = options;
    }

    public string Name { get; }

    public TaskDescriptor Task { get; }

    public ITaskArgumentWriter? Arguments { get; }

    public string? Queue { get; }

    public ScheduleOptions Options { get; }

    /// <summary>The definition to store; the arguments serialized with the application's JSON options.</summary>
    public ScheduleDefinition ToDefinition(JsonSerializerOptions json) => new()
    {
        Name = Name,
        TaskName = Task.Name,
        ArgumentsJson = JsonArguments.Serialize(Arguments, json),
        Queue = Queue,
        Cron = Options.Cron,
        Every = Options.Every,
        TimeZone = Options.TimeZone,
        Overlap = Options.Overlap,
        CatchUp = Options.CatchUp,
        CatchUpWindow = Options.CatchUpWindow,
    };
}
