using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using Spectre.Console;
using TaskFlow.State;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow tasks</c>: the task list from the state store, newest first, filtered (ITaskStateStore.QueryTasksAsync).</summary>
internal sealed class TasksCommand : ICliCommand
{
    public string? Group => null;

    public Command Create()
    {
        var state = new Option<string[]>("--state") { Description = "Only tasks in these states (pending, started, retrying, succeeded, failed, revoked, dead_lettered, expired); repeat or comma-separate", HelpName = "state", AllowMultipleArgumentsPerToken = true };
        var name = new Option<string?>("--name") { Description = "Only tasks of this name (e.g. signup.signup_tasks.send_sms)", HelpName = "task" };
        var queue = new Option<string?>("--queue") { Description = "Only tasks of this queue", HelpName = "queue" };
        var entity = new Option<string?>("--entity-key") { Description = "Only tasks of this entity (e.g. note:42)", HelpName = "key" };
        var worker = new Option<string?>("--worker") { Description = "Only tasks last recorded by this worker", HelpName = "name" };
        var lost = new Option<bool>("--lost-workers") { Description = "Only tasks last recorded by a worker that is lost now (with --state started: what died with it)" };
        var error = new Option<string?>("--error") { Description = "Only tasks whose error starts with this (an exception type, or a reason such as task-failed)", HelpName = "text" };
        var args = new Option<string?>("--args") { Description = "Only tasks whose arguments contain this text (case-insensitive; sensitive values are stored as *** and never match)", HelpName = "text" };
        var since = new Option<string?>("--since") { Description = "Only tasks recorded since (1h, 30m, 2d, or a date and time)", HelpName = "time" };
        var until = new Option<string?>("--until") { Description = "Only tasks recorded before (1h, 30m, 2d, or a date and time)", HelpName = "time" };
        var parent = new Option<string?>("--parent") { Description = "Only the tasks this task sent while it ran", HelpName = "task-id" };
        var root = new Option<string?>("--root") { Description = "A whole tree: this task and every task it caused", HelpName = "task-id" };
        var limit = new Option<int>("--limit") { Description = "How many (1-1000)", DefaultValueFactory = _ => TaskQuery.DefaultLimit };
        var cursor = new Option<string?>("--cursor") { Description = "The next page: the cursor the previous page printed", HelpName = "cursor" };
        var json = JsonOption.Create();
        var command = new Command("tasks", "Tasks from the state store, newest first: filter by state, name, queue, entity, worker, error, arguments, time, lineage")
        {
            state, name, queue, entity, worker, lost, error, args, since, until, parent, root, limit, cursor, json,
        };
        command.SetAction(CliContext.Run(async context =>
        {
            var parse = context.Parse;
            var now = DateTimeOffset.UtcNow;
            var query = new TaskQuery
            {
                States = States(parse.GetValue(state)),
                TaskName = parse.GetValue(name),
                Queue = parse.GetValue(queue),
                EntityKey = parse.GetValue(entity),
                Worker = parse.GetValue(worker),
                LostWorkersOnly = parse.GetValue(lost),
                Error = parse.GetValue(error),
                ArgumentsContains = parse.GetValue(args),
                CreatedSince = parse.GetValue(since) is { } s ? Formats.ParseTime(s, "--since", now) : null,
                CreatedUntil = parse.GetValue(until) is { } u ? Formats.ParseTime(u, "--until", now) : null,
                ParentId = parse.GetValue(parent),
                RootId = parse.GetValue(root),
                Limit = parse.GetValue(limit) is var l and >= 1 and <= TaskQuery.MaxLimit ? l : throw new CliException($"--limit must be from 1 to {TaskQuery.MaxLimit}, not {parse.GetValue(limit)}."),
                Cursor = parse.GetValue(cursor),
            };
            TaskPage page;
            try
            {
                page = await context.Store.QueryTasksAsync(query, context.CancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ex.Message);
            }

            if (parse.GetValue(json))
            {
                context.WriteJson(page);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("TASK ID", "TASK", "QUEUE", "STATE", "ATTEMPTS", "WORKER", "CREATED", "UPDATED", "ERROR");
            foreach (var task in page.Tasks)
            {
                table.AddRow(
                    Markup.Escape(task.TaskId),
                    Markup.Escape(task.TaskName ?? "-"),
                    Markup.Escape(task.Queue ?? "-"),
                    task.State.ToWireName(),
                    Formats.Number(task.Attempts),
                    Markup.Escape(task.Worker ?? "-"),
                    Formats.Time(task.CreatedAt),
                    Formats.Time(task.UpdatedAt),
                    Markup.Escape(Short(task.Error)));
            }

            context.Out.Write(table);
            context.Out.WriteLine(page.NextCursor is { } next ? $"{page.Tasks.Count} task(s); more with --cursor {next}" : $"{page.Tasks.Count} task(s)");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static List<TaskState>? States(string[]? values)
    {
        var names = values?.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (names is null || names.Count == 0)
        {
            return null;
        }

        var all = Enum.GetValues<TaskState>().ToDictionary(s => s.ToWireName(), StringComparer.OrdinalIgnoreCase);
        return names.Select(n => all.TryGetValue(n, out var s) ? s
            : throw new CliException($"--state {n} is not a task state; use one of {string.Join(", ", all.Keys)}.")).ToList();
    }

    private static string Short(string? error) => error is null ? "-" : error.Length <= 80 ? error : error[..77] + "...";
}
