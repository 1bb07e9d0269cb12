using System;
using System.IO;
using System.Linq;
using System.Reflection;

namespace TaskFlow.TestSupport;

/// <summary>Where the tests find the local services and the repository.</summary>
public static class TestEnvironment
{
    /// <summary>The broker scripts/rabbitmq.sh starts.</summary>
    public const string DefaultBrokerUri = "amqp://guest:guest@127.0.0.1:5672/";

    /// <summary>
    /// The database scripts/postgres.sh creates. Connect timeout 30 s: while the test projects run side by side on two
    /// cores the load reaches 14 and a new PostgreSQL connection took up to 1.6 s here and more than 5 s (the old
    /// timeout) in CI, failing tests that measure nothing about connecting.
    /// </summary>
    public const string DefaultPostgresConnectionString = "Host=127.0.0.1;Port=5432;Username=taskflow;Password=taskflow;Database=taskflow;Timeout=30";

    /// <summary>The RabbitMQ node of the tests: <c>TASKFLOW_TEST_AMQP</c>, else <see cref="DefaultBrokerUri"/>.</summary>
    public static Uri BrokerUri { get; } = new(Variable("TASKFLOW_TEST_AMQP") ?? DefaultBrokerUri);

    /// <summary>The PostgreSQL database of the tests: <c>TASKFLOW_TEST_POSTGRES</c>, else <see cref="DefaultPostgresConnectionString"/>.</summary>
    public static string PostgresConnectionString { get; } = Variable("TASKFLOW_TEST_POSTGRES") ?? DefaultPostgresConnectionString;

    /// <summary>The repository the tests were built from (where TaskFlow.sln is).</summary>
    public static string RepositoryRoot { get; } = Path.GetFullPath(typeof(TestEnvironment).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "RepositoryRoot")
        .Value!);

    /// <summary>An environment variable, or null when it is unset or empty.</summary>
    public static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
