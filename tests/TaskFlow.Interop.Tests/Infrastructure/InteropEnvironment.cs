using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using TaskFlow.TestSupport;

namespace TaskFlow.Interop.Tests.Infrastructure;

/// <summary>
/// Where the broker and Celery are, and the check that both are there. A missing prerequisite fails the
/// test with what to install: these tests never skip silently.
/// </summary>
internal static class InteropEnvironment
{
    // Checked once per run; a failure is remembered, so every test fails at once with the same message.
    private static readonly Lazy<Task<string>> Check = new(CheckAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The broker: TASKFLOW_INTEROP_AMQP, else the tests' broker (TASKFLOW_TEST_AMQP, default amqp://guest:guest@127.0.0.1:5672/).</summary>
    public static Uri BrokerUri { get; } = TestEnvironment.Variable("TASKFLOW_INTEROP_AMQP") is { } uri ? new Uri(uri) : TestEnvironment.BrokerUri;

    /// <summary>
    /// The interpreter that has Debian's python3-celery, overridable with TASKFLOW_INTEROP_PYTHON. Default
    /// /usr/bin/python3: the pyenv shim first on PATH has no Celery.
    /// </summary>
    public static string Python { get; } = Environment.GetEnvironmentVariable("TASKFLOW_INTEROP_PYTHON") is { Length: > 0 } python
        ? python
        : "/usr/bin/python3";

    /// <summary>The python/ folder copied next to the test assembly.</summary>
    public static string PythonDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "python");

    /// <summary>The broker URL in kombu's form: the default vhost "/" is spelled with a second slash.</summary>
    public static string KombuBrokerUrl
    {
        get
        {
            var builder = new UriBuilder(BrokerUri);
            var vhost = builder.Path is "" or "/" ? "/" : Uri.UnescapeDataString(builder.Path[1..]);
            return $"{builder.Scheme}://{builder.UserName}:{builder.Password}@{builder.Host}:{builder.Port}/{(vhost == "/" ? "/" : Uri.EscapeDataString(vhost))}";
        }
    }

    /// <summary>Throws with instructions unless RabbitMQ answers and /usr/bin/python3 can import Celery. Returns the versions found.</summary>
    public static Task<string> RequireBrokerAndCeleryAsync() => Check.Value;

    private static async Task<string> CheckAsync()
    {
        await CheckBrokerAsync();
        return await CheckCeleryAsync();
    }

    private static async Task CheckBrokerAsync()
    {
        var factory = new ConnectionFactory { Uri = BrokerUri, RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await using var connection = await factory.CreateConnectionAsync("taskflow-interop-check", timeout.Token);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                $"PREREQUISITE MISSING: RabbitMQ is not reachable at {Redacted(BrokerUri)} ({ex.GetType().Name}: {ex.InnerException?.Message ?? ex.Message}). " +
                "The interop tests run against a real broker: start one with `bash scripts/rabbitmq.sh` (installs Debian's rabbitmq-server), " +
                "or point TASKFLOW_INTEROP_AMQP (or TASKFLOW_TEST_AMQP) at one.",
                ex);
        }
    }

    private static async Task<string> CheckCeleryAsync()
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException(
                $"PREREQUISITE MISSING: {Python} does not exist. The interop tests run Celery with Debian's python3: " +
                "`apt-get install -y python3-celery` (or set TASKFLOW_INTEROP_PYTHON to an interpreter that has celery 5.x).");
        }

        var check = new ProcessStartInfo(Python);
        check.ArgumentList.Add("-c");
        check.ArgumentList.Add("import celery, kombu, amqp; print(celery.__version__, kombu.__version__, amqp.__version__)");
        var result = await ChildProcess.RunAsync(check, TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"PREREQUISITE MISSING: {Python} cannot import celery/kombu/amqp (exit code {result.ExitCode}): {result.StandardError.Trim()}. " +
                "Install Debian's package: `apt-get install -y python3-celery` (the pyenv python3 first on PATH is not used).");
        }

        if (!File.Exists(Path.Combine(PythonDirectory, "taskflow_interop.py")))
        {
            throw new InvalidOperationException($"The Celery side of the tests is missing: {PythonDirectory}/taskflow_interop.py was not copied to the output directory.");
        }

        return "celery/kombu/amqp " + result.StandardOutput.Trim();
    }

    private static string Redacted(Uri uri) => new UriBuilder(uri) { Password = uri.UserInfo.Contains(':', StringComparison.Ordinal) ? "***" : string.Empty }.Uri.ToString();
}
