using System.CommandLine;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow dead redrive [queue]</c>: moves matching dead letters back to their queue to run once more.</summary>
internal sealed class DeadRedriveCommand : ICliCommand
{
    public string? Group => "dead";

    public Command Create()
    {
        var queue = new Argument<string?>("queue") { Description = "The queue (or its .dead queue); default: every TaskFlow queue with dead letters", Arity = ArgumentArity.ZeroOrOne };
        var filters = new DeadLetterOptions(defaultLimit: null);
        var rate = RateOption.Create();
        var json = JsonOption.Create();
        var command = new Command("redrive", "Move dead letters back to their queue (exactly as they are, confirmed, then removed) to run once more") { queue, rate, json };
        filters.AddTo(command);
        command.SetAction(CliContext.Run(async context =>
        {
            var filter = filters.Read(context.Parse);
            var queues = await DeadLetterQueues.ResolveAsync(context, context.Parse.GetValue(queue)).ConfigureAwait(false);
            return await DeadLetterMover.RunAsync(context, queues, filter, context.Parse.GetValue(rate), redrive: true, context.Parse.GetValue(json)).ConfigureAwait(false);
        }));
        return command;
    }
}
