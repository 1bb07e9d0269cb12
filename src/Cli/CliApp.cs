using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;

namespace TaskFlow.Cli;

/// <summary>Builds the command tree from every <see cref="ICliCommand"/> of the assembly and runs it.</summary>
internal static class CliApp
{
    private static readonly Dictionary<string, string> Groups = new(StringComparer.Ordinal)
    {
        ["dead"] = "Dead letters: list, show, re-drive to their queue, discard",
        ["schema"] = "The state store's database schema: apply, status, script",
        ["schedules"] = "Periodic tasks in the state store: list, show, add, pause, resume, trigger, delete",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine("taskflow: " + error.Message);
            }

            Console.Error.WriteLine("Run 'taskflow --help' (or 'taskflow <command> --help') for usage.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync().ConfigureAwait(false);
    }

    public static RootCommand Build()
    {
        var root = new RootCommand("taskflow: operate TaskFlow queues, workers, tasks and dead letters (docs/operations.md#the-taskflow-cli)");
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }

        var groups = new Dictionary<string, Command>(StringComparer.Ordinal);
        var commands = typeof(CliApp).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICliCommand).IsAssignableFrom(t))
            .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
            .Select(c => (c.Group, Command: c.Create()))
            .OrderBy(c => c.Group ?? c.Command.Name, StringComparer.Ordinal)
            .ThenBy(c => c.Command.Name, StringComparer.Ordinal);
        // Top-level commands first: a group named like one (e.g. "queues" with "queues pause") adds its subcommands to it.
        foreach (var (group, command) in commands.OrderBy(c => c.Group is null ? 0 : 1))
        {
            if (group is null)
            {
                root.Subcommands.Add(command);
                continue;
            }

            if (!groups.TryGetValue(group, out var parent))
            {
                parent = root.Subcommands.FirstOrDefault(c => c.Name == group);
                if (parent is null)
                {
                    parent = new Command(group, Groups.GetValueOrDefault(group, group));
                    root.Subcommands.Add(parent);
                }

                groups[group] = parent;
            }

            parent.Subcommands.Add(command);
        }

        return root;
    }
}
