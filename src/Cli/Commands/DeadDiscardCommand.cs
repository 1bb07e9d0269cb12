using System.CommandLine;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow dead discard &lt;queue&gt;</c>: removes matching dead letters for good, after a confirmation.</summary>
internal sealed class DeadDiscardCommand : ICliCommand
{
    public string? Group => "dead";

    public Command Create()
    {
        var queue = new Argument<string>("queue") { Description = "The queue (or its .dead queue)" };
        var filters = new DeadLetterOptions(defaultLimit: null);
        var rate = RateOption.Create();
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var json = JsonOption.Create();
        var command = new Command("discard", "Remove dead letters for good (asks first)") { queue, rate, yes, json };
        filters.AddTo(command);
        command.SetAction(CliContext.Run(async context =>
        {
            var filter = filters.Read(context.Parse);
            var name = context.Parse.GetValue(queue)!;
            var which = filter.TaskName is null && filter.ExceptionType is null && filter.Since is null && filter.Until is null && filter.EntityKey is null && filter.TaskIds.Count == 0
                ? "every dead letter"
                : "the matching dead letters";
            var limit = filter.Limit is { } max ? $" (at most {max})" : string.Empty;
            if (!context.Confirm($"Discard {which}{limit} of queue '{name}' for good?", context.Parse.GetValue(yes)))
            {
                return CliContext.Error("not confirmed; nothing was discarded (pass --yes to skip the question).", ExitCodes.Failed);
            }

            return await DeadLetterMover.RunAsync(context, [name], filter, context.Parse.GetValue(rate), redrive: false, context.Parse.GetValue(json)).ConfigureAwait(false);
        }));
        return command;
    }
}
