using System.CommandLine;
using System.Linq;
using System.Threading.Tasks;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary>
/// <c>taskflow purge &lt;queue&gt;</c>: removes a queue's ready messages after a confirmation. With a state store, the
/// queue is drained in batches of 500 and each batch's tasks are recorded revoked (one statement) before its messages are
/// acked, so that their pending records no longer hold their entities' locks.
/// </summary>
internal sealed class PurgeCommand : ICliCommand
{
    /// <summary>Tasks revoked per statement (and messages acked per <c>basic.ack</c>).</summary>
    private const int BatchSize = 500;

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
            var result = store is null
                ? await admin.PurgeAsync(name, beforeAck: null, context.CancellationToken).ConfigureAwait(false)
                : await admin.PurgeAsync(
                    name,
                    async (ids, ct) =>
                    {
                        // One statement per batch, committed before the batch's messages are acked: a purge stopped at any
                        // point leaves every message whose task was not recorded revoked in the queue. An id longer than the
                        // store's 255 characters cannot have a record: its message is purged without one.
                        revoked += await store.RevokeAsync(ids.Where(id => id.Length <= 255).ToList(), ct).ConfigureAwait(false);
                    },
                    BatchSize,
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
