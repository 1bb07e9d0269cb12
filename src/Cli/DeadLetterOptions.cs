using System;
using System.CommandLine;
using TaskFlow.RabbitMq;

namespace TaskFlow.Cli;

/// <summary>The filter options the <c>dead</c> commands share, read into a <see cref="DeadLetterFilter"/>.</summary>
internal sealed class DeadLetterOptions
{
    public Option<string?> Task { get; } = new("--task") { Description = "Only dead letters of this task name", HelpName = "name" };

    public Option<string?> Exception { get; } = new("--exception") { Description = "Only those that failed with this exception type (full or short name)", HelpName = "type" };

    public Option<string?> Since { get; } = new("--since") { Description = "Only those dead-lettered since (1h, 30m, 2d, or a date and time)", HelpName = "time" };

    public Option<string?> Until { get; } = new("--until") { Description = "Only those dead-lettered before (1h, 30m, 2d, or a date and time)", HelpName = "time" };

    public Option<string?> EntityKey { get; } = new("--entity-key") { Description = "Only those of this entity key", HelpName = "key" };

    public Option<string[]> Id { get; } = new("--id") { Description = "Only these task ids (repeat the option for several)", HelpName = "task-id", AllowMultipleArgumentsPerToken = false };

    public Option<int?> Limit { get; }

    public DeadLetterOptions(int? defaultLimit)
    {
        Limit = new Option<int?>("--limit")
        {
            Description = defaultLimit is null ? "At most this many dead letters (default: all that match)" : $"At most this many dead letters (default {defaultLimit})",
            HelpName = "n",
            DefaultValueFactory = _ => defaultLimit,
        };
        Limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--limit must be at least 1.");
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Task);
        command.Options.Add(Exception);
        command.Options.Add(Since);
        command.Options.Add(Until);
        command.Options.Add(EntityKey);
        command.Options.Add(Id);
        command.Options.Add(Limit);
    }

    public DeadLetterFilter Read(ParseResult parse)
    {
        var now = DateTimeOffset.UtcNow;
        var filter = new DeadLetterFilter
        {
            TaskName = parse.GetValue(Task),
            ExceptionType = parse.GetValue(Exception),
            EntityKey = parse.GetValue(EntityKey),
            Limit = parse.GetValue(Limit),
            Since = parse.GetValue(Since) is { } since ? Formats.ParseTime(since, "--since", now) : null,
            Until = parse.GetValue(Until) is { } until ? Formats.ParseTime(until, "--until", now) : null,
        };
        foreach (var id in parse.GetValue(Id) ?? [])
        {
            filter.TaskIds.Add(id);
        }

        return filter;
    }
}
