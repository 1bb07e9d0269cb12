using System;
using System.CommandLine;
using System.Data.Common;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Spectre.Console;
using TaskFlow.RabbitMq;
using TaskFlow.State;

namespace TaskFlow.Cli;

/// <summary>
/// What a command runs with: the parsed command line, the configuration (appsettings.json of the current directory,
/// appsettings.{environment}.json, environment variables, then the flags), the broker operations and the state store
/// (each built on first use, from the same configuration keys the application uses), and the output.
/// </summary>
internal sealed class CliContext : IAsyncDisposable
{
    /// <summary>The configuration key of the state store's connection string (environment: <c>ConnectionStrings__TaskFlow</c>).</summary>
    public const string StateConnectionStringKey = "ConnectionStrings:TaskFlow";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase), new DeadLetterJson() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private readonly Lazy<IConfiguration> _configuration;
    private readonly TextWriter _stdout = Console.Out;
    private readonly TextWriter _stderr = Console.Error;
    private readonly TextReader _stdin = Console.In;
    private ServiceProvider? _broker;
    private ServiceProvider? _state;
    private ServiceProvider? _client;

    private CliContext(ParseResult parse, CancellationToken cancellationToken)
    {
        Parse = parse;
        CancellationToken = cancellationToken;
        _configuration = new Lazy<IConfiguration>(LoadConfiguration);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 240;
        }

        Out = console;
    }

    public ParseResult Parse { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Standard output, for tables and text.</summary>
    public IAnsiConsole Out { get; }

    public IConfiguration Configuration => _configuration.Value;

    /// <summary>An action for <see cref="Command.SetAction(Func{ParseResult, CancellationToken, Task{int}})"/>: runs <paramref name="action"/> and turns errors into messages and exit codes.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Run(Func<CliContext, Task<int>> action) => async (parse, cancellationToken) =>
    {
        var context = new CliContext(parse, cancellationToken);
        await using (context.ConfigureAwait(false))
        {
            try
            {
                return await action(context).ConfigureAwait(false);
            }
            catch (CliException ex)
            {
                return Error(ex.Message, ExitCodes.Usage);
            }
            catch (OptionsValidationException ex)
            {
                return Error("the configuration is not valid:" + Environment.NewLine + string.Join(Environment.NewLine, ex.Failures.Select(f => "  " + f)), ExitCodes.Usage);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Error("cancelled; nothing that was not finished was removed.", ExitCodes.Failed);
            }
            catch (DbException ex)
            {
                return Error($"the state store ({StateProviders.Describe(context.StateProviderOrDefault)}) failed: {ex.Message}. Check --state / {StateConnectionStringKey} (and --state-provider / {StateProviders.ConfigurationKey}) and that the database is reachable.", ExitCodes.Failed);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or TaskPublishException or RabbitMQ.Client.Exceptions.RabbitMQClientException or System.Net.Http.HttpRequestException)
            {
                return Error(ex.Message, ExitCodes.Failed);
            }
        }
    };

    /// <summary>Writes <paramref name="message"/> to standard error as <c>taskflow: message</c> and returns <paramref name="exitCode"/>.</summary>
    public static int Error(string message, int exitCode)
    {
        Console.Error.WriteLine("taskflow: " + message.Replace("TaskFlow: ", string.Empty, StringComparison.Ordinal));
        return exitCode;
    }

    /// <summary>Writes <paramref name="value"/> as indented JSON (camelCase, enums as strings) to standard output.</summary>
    public void WriteJson<T>(T value) => _stdout.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>The broker operations, configured from <c>TaskFlow:RabbitMq</c> and <c>--rabbitmq</c>/<c>--management</c>.</summary>
    public RabbitMqQueueAdmin Admin => (_broker ??= BuildBroker()).GetRequiredService<RabbitMqQueueAdmin>();

    /// <summary>The state store, from <c>ConnectionStrings:TaskFlow</c> or <c>--state</c>, <c>TaskFlow:State</c> and <c>--schema</c>.</summary>
    public ITaskStateStore Store => (_state ??= BuildState()).GetRequiredService<ITaskStateStore>();

    /// <summary>
    /// The task client with the broker and the state store together (what <c>taskflow probe</c> sends with and waits
    /// through): the same configuration as <see cref="Admin"/> and <see cref="Store"/>.
    /// </summary>
    public ITaskClient Client => (_client ??= BuildClient()).GetRequiredService<ITaskClient>();

    /// <summary>The state store's operator actions (pause and resume queues, delete records, the audit log).</summary>
    public TaskStateStore Operators => (_state ??= BuildState()).GetRequiredService<TaskStateStore>();

    /// <summary>Who acts, for the audit log and <c>paused_by</c>: <c>cli (user@host)</c>.</summary>
    public static string Actor => $"cli ({Environment.UserName}@{Environment.MachineName})";

    /// <summary>Writes an action of the CLI to the state store's audit log (as the dashboard does for its own).</summary>
    public Task AuditAsync(string action, string target, string? detail, string outcome) =>
        Operators.AppendAuditAsync(new AuditEntry(DateTimeOffset.UtcNow, Actor, action, target, detail, outcome), CancellationToken);

    /// <summary>The schedules of periodic tasks in the state store.</summary>
    public TaskFlow.Scheduling.ISchedules Schedules => (_state ??= BuildState()).GetRequiredService<TaskFlow.Scheduling.ISchedules>();

    /// <summary>Whether a state store is configured (flag or configuration).</summary>
    public bool HasStore => StateConnectionString is not null;

    /// <summary>The state store's database: <c>--state-provider</c>, else <c>TaskFlow:State:Provider</c>, else PostgreSQL.</summary>
    public StateStoreProvider StateProvider => StateProviders.Resolve(Parse.GetValue(GlobalOptions.StateProvider), Configuration[StateProviders.ConfigurationKey]);

    private string? StateConnectionString => Parse.GetValue(GlobalOptions.State) is { Length: > 0 } flag
        ? flag
        : Configuration[StateConnectionStringKey] is { Length: > 0 } configured ? configured : null;

    /// <summary>
    /// Asks <paramref name="question"/> on the terminal (y/N); <c>true</c> at once with <paramref name="yes"/>. Without a
    /// terminal the answer is read from standard input; no answer is a no.
    /// </summary>
    public bool Confirm(string question, bool yes)
    {
        if (yes)
        {
            return true;
        }

        _stderr.Write(question + " [y/N] ");
        _stderr.Flush();
        var answer = _stdin.ReadLine();
        return answer is not null && (answer.Trim().Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase));
    }

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }

        if (_state is not null)
        {
            await _state.DisposeAsync().ConfigureAwait(false);
        }

        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The provider for messages about a failure: <see cref="StateProvider"/>, or PostgreSQL when it is itself misconfigured.</summary>
    private StateStoreProvider StateProviderOrDefault
    {
        get
        {
            try
            {
                return StateProvider;
            }
            catch (CliException)
            {
                return StateStoreProvider.PostgreSql;
            }
        }
    }

    private static IConfiguration LoadConfiguration()
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
        return new ConfigurationBuilder()
            .SetBasePath(Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
    }

    private static ServiceCollection Services()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            // Warnings (e.g. the management API not reachable) on standard error, so that --json output stays clean.
            logging.SetMinimumLevel(LogLevel.Warning);
            logging.AddSimpleConsole(o => o.SingleLine = true);
            logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        return services;
    }

    private ServiceProvider BuildBroker()
    {
        var services = Services();
        AddBroker(services.AddTaskFlow());
        return Validated<RabbitMqOptions>(services.BuildServiceProvider());
    }

    private ServiceProvider BuildState()
    {
        var services = Services();
        AddState(services, services.AddTaskFlow());
        return Validated<TaskStateOptions>(services.BuildServiceProvider());
    }

    private ServiceProvider BuildClient()
    {
        var services = Services();
        var builder = services.AddTaskFlow();
        AddBroker(builder);
        AddState(services, builder);
        var provider = Validated<RabbitMqOptions>(services.BuildServiceProvider());
        try
        {
            return Validated<TaskStateOptions>(provider);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary><c>UseRabbitMq</c> from <c>TaskFlow:RabbitMq</c>, <c>--rabbitmq</c> and <c>--management</c>.</summary>
    private void AddBroker(TaskFlowBuilder builder)
    {
        var uri = Parse.GetValue(GlobalOptions.RabbitMq);
        var management = Parse.GetValue(GlobalOptions.Management);
        var parsedUri = uri is null ? null : ParseUri(uri, "--rabbitmq", "amqp://user:password@host:5672/vhost");
        var parsedManagement = management is null ? null : ParseUri(management, "--management", "http://host:15672/");
        builder.UseRabbitMq(Configuration.GetSection("TaskFlow:RabbitMq"), o =>
        {
            if (parsedUri is not null)
            {
                o.ConnectionUri = parsedUri;
            }

            if (parsedManagement is not null)
            {
                o.ManagementUri = parsedManagement;
            }
        });
    }

    /// <summary>
    /// <c>AddStateStore</c> from <c>TaskFlow:State</c>, the connection string (<c>--state</c> or
    /// <c>ConnectionStrings:TaskFlow</c>), the provider (<c>--state-provider</c> or <c>TaskFlow:State:Provider</c>) and
    /// <c>--schema</c>.
    /// </summary>
    private void AddState(ServiceCollection services, TaskFlowBuilder builder)
    {
        var connectionString = StateConnectionString ?? throw new CliException(
            $"no state store configured: pass --state \"Host=...;Username=...;Password=...;Database=...\" or set {StateConnectionStringKey} in appsettings.json (environment variable ConnectionStrings__TaskFlow); for SQL Server add --state-provider sqlserver.");
        var provider = StateProvider;
        var database = StateProviders.CreateDataSource(provider, connectionString);
        services.AddSingleton(database);
        var schema = Parse.GetValue(GlobalOptions.Schema);
        builder.AddStateStore(Configuration.GetSection("TaskFlow:State"), (o, sp) =>
        {
            var dataSource = sp.GetRequiredService<DbDataSource>();
            if (provider == StateStoreProvider.SqlServer)
            {
                o.UseSqlServer(dataSource.CreateConnection);
            }
            else
            {
                o.UsePostgreSql(dataSource);
            }

            if (schema is not null)
            {
                o.Schema = schema;
            }

            // The tool never changes the schema behind the operator's back: `taskflow schema apply` does.
            o.ApplySchemaAutomatically = false;
        });
    }

    /// <summary>Resolves the options of <typeparamref name="T"/> (validating them, with messages saying what to change) or disposes the provider.</summary>
    private static ServiceProvider Validated<T>(ServiceProvider provider)
        where T : class
    {
        try
        {
            _ = provider.GetRequiredService<IOptions<T>>().Value;
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message: an unknown key or a value it could not convert.
            provider.Dispose();
            throw new CliException(ex.Message, ex);
        }
        catch
        {
            provider.Dispose();
            throw;
        }

        return provider;
    }

    private static Uri ParseUri(string text, string flag, string example) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : throw new CliException($"{flag}: '{text}' is not an absolute URI, e.g. {example}.");
}
