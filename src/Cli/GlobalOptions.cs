using System.CommandLine;

namespace TaskFlow.Cli;

/// <summary>The connection options every command takes (after or before the command name).</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> RabbitMq = new("--rabbitmq")
    {
        Description = "AMQP URI of the broker (default: TaskFlow:RabbitMq:ConnectionUri from appsettings.json or the environment, else amqp://guest:guest@127.0.0.1:5672/)",
        Recursive = true,
        HelpName = "uri",
    };

    public static readonly Option<string?> Management = new("--management")
    {
        Description = "URL of the RabbitMQ management API (default: TaskFlow:RabbitMq:ManagementUri, else http://<broker host>:15672/)",
        Recursive = true,
        HelpName = "url",
    };

    public static readonly Option<string?> State = new("--state")
    {
        Description = "Connection string of the state store (PostgreSQL, or SQL Server with --state-provider sqlserver) (default: ConnectionStrings:TaskFlow from appsettings.json or the environment)",
        Recursive = true,
        HelpName = "connection-string",
    };

    public static readonly Option<string?> StateProvider = new("--state-provider")
    {
        Description = "Database of the state store: postgresql (default) or sqlserver (default: TaskFlow:State:Provider from appsettings.json or the environment)",
        Recursive = true,
        HelpName = "postgresql|sqlserver",
    };

    public static readonly Option<string?> Schema = new("--schema")
    {
        Description = "Database schema of the state store (default: TaskFlow:State:Schema, else taskflow)",
        Recursive = true,
        HelpName = "name",
    };

    public static Option[] All => [RabbitMq, Management, State, StateProvider, Schema];
}
