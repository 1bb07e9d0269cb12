using System.CommandLine;
using Spectre.Console;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.Cli.Commands;

/// <summary>
/// <c>taskflow purge &lt;queue&gt;</c>: removes a queue's ready messages after a confirmation. With a state store, each
/// purged task is recorded revoked first, so that its pending record no longer holds its entity's lock.
/// </summary>
internal sealed class PurgeCommand : ICliCommand
{
    public string? Group => null;

    public Command Create()
    {
        var queue = new Argument<string>("queue") { Description = "The queue to empty" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var json = JsonOption.Create();
        var command = new Command("purge", "Remove a queue's ready messages (asks first); with a state store each purged task is recorded revoked") { queue, yes, json };
        command.SetAction(CliContext.Run(async context =>
        {
            var name = context.Parse.GetValue(queue)!;
            var admin = context.Admin;
            var ready = await admin.CountReadyAsync(name, context.CancellationToken).ConfigureAwait(false);
            var store = context.HasStore ? context.Store : null;
            var how = store is null
                ? "without a state store: their tasks are not recorded revoked"
                : "each task is recorded revoked in the state store";
            if (!context.Confirm($"Purge {Formats.Number(ready)} ready message(s) from queue '{name}' ({how})?", context.Parse.GetValue(yes)))
            {
                return CliContext.Error("not confirmed; nothing was purged (pass --yes to skip the question).", ExitCodes.Failed);
            }

            long revoked = 0;
            var result = await admin.PurgeAsync(
                name,
                store is null ? null : async (id, ct) =>
                {
                    if (id is not null)
                    {
                        await store.RevokeAsync(id, ct).ConfigureAwait(false);
                        Interlocked.Increment(ref revoked);
                    }
                },
                context.CancellationToken).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(new { result.Queue, result.Purged, result.Drained, revoked, result.Remaining });
            }
            else
            {
                context.Out.WriteLine($"purged {Formats.Number(result.Purged)} message(s) from queue '{name}'"
                    + (result.Drained ? $"; recorded {Formats.Number(revoked)} task(s) revoked" : string.Empty)
                    + $"; {Formats.Number(result.Remaining)} ready message(s) left");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
