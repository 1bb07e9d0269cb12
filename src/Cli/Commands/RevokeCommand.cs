using System.CommandLine;
using Spectre.Console;

namespace TaskFlow.Cli.Commands;

/// <summary><c>taskflow revoke &lt;id&gt;</c> or <c>taskflow revoke --entity-key K</c>: revoke tasks in the state store.</summary>
internal sealed class RevokeCommand : ICliCommand
{
    public string? Group => null;

    public Command Create()
    {
        var id = new Argument<string?>("task-id") { Description = "The task to revoke", Arity = ArgumentArity.ZeroOrOne };
        var entity = new Option<string?>("--entity-key") { Description = "Revoke every unfinished task of this entity key instead", HelpName = "key" };
        var json = JsonOption.Create();
        var command = new Command("revoke", "Revoke a task (or every unfinished task of an entity): it is skipped wherever its message arrives; a running one is cancelled") { id, entity, json };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(id) is null) == (result.GetValue(entity) is null))
            {
                result.AddError("revoke takes a task id or --entity-key <key>, not both and not neither.");
            }
        });
        command.SetAction(CliContext.Run(async context =>
        {
            if (context.Parse.GetValue(entity) is { } key)
            {
                var ids = await context.Store.RevokeEntityAsync(key, context.CancellationToken).ConfigureAwait(false);
                if (context.Parse.GetValue(json))
                {
                    context.WriteJson(new { entityKey = key, revoked = ids });
                }
                else
                {
                    context.Out.WriteLine($"revoked {ids.Count} unfinished task(s) of entity '{key}'");
                    foreach (var revoked in ids)
                    {
                        context.Out.WriteLine("  " + revoked);
                    }
                }

                return ExitCodes.Success;
            }

            var taskId = context.Parse.GetValue(id)!;
            var done = await context.Store.RevokeAsync(taskId, context.CancellationToken).ConfigureAwait(false);
            if (context.Parse.GetValue(json))
            {
                context.WriteJson(new { taskId, revoked = done });
            }
            else
            {
                context.Out.WriteLine(done ? $"revoked task {taskId}" : $"task {taskId} had already finished; nothing to revoke");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
