using System;
using System.CommandLine;
using Spectre.Console;
using System.Linq;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow tasks delete &lt;task-id...&gt;</c>: delete the records of finished tasks from the state store.</summary>
internal sealed class TasksDeleteCommand : ICliCommand
{
    public string? Group => "tasks";

    public Command Create()
    {
        var ids = new Argument<string[]>("task-id") { Description = "The tasks whose records to delete ('-' reads ids from standard input, one a line)", Arity = ArgumentArity.OneOrMore };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var json = JsonOption.Create();
        var command = new Command("delete", "Delete task records from the state store: only finished tasks (succeeded, failed, revoked, expired, dead_lettered); unfinished ones are kept and counted. Nothing is removed from the broker") { ids, yes, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var given = context.Parse.GetValue(ids)!;
            var list = (given is ["-"] ? ReadStdin() : given)
                .Select(id => id.Trim()).Where(id => id.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            if (list.Count == 0)
            {
                throw new CliException("no task ids given.");
            }

            if (!context.Confirm($"Delete the records of up to {list.Count} finished task(s)?", context.Parse.GetValue(yes)))
            {
                return CliContext.Error("not confirmed; nothing was deleted (pass --yes to skip the question; with - for standard input, --yes is needed).", ExitCodes.Failed);
            }

            TaskFlow.State.TaskDeleteResult result;
            try
            {
                result = await context.Operators.DeleteTasksAsync(list, context.CancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ex.Message);
            }

            var outcome = $"deleted {result.Deleted} of {list.Count} task record(s); kept {result.SkippedUnfinished} unfinished; {result.NotFound} not found";
            await context.AuditAsync("tasks.delete", list.Count <= 10 ? string.Join(",", list) : $"{string.Join(",", list.Take(10))} and {list.Count - 10} more", null, outcome).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(result);
            }
            else
            {
                context.Out.WriteLine(outcome);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static string[] ReadStdin()
    {
        var lines = new System.Collections.Generic.List<string>();
        while (Console.In.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines.ToArray();
    }
}
