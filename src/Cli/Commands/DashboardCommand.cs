using System;
using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using TaskFlow.Dashboard;
using TaskFlow.State;

namespace TaskFlow.Cli.Commands;

/// <summary>
/// <c>taskflow dashboard [--urls http://127.0.0.1:5090] [--allow-remote] [--read-only]</c>: the web dashboard, standalone,
/// over the tool's configured broker and state store, until Ctrl+C. Loopback only unless <c>--allow-remote</c>.
/// </summary>
internal sealed class DashboardCommand : ICliCommand
{
    public const string DefaultUrls = "http://127.0.0.1:5090";

    public string? Group => null;

    public Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen (';'-separated), loopback only unless --allow-remote", DefaultValueFactory = _ => DefaultUrls };
        var allowRemote = new Option<bool>("--allow-remote") { Description = "Allow a non-loopback address (put authentication in front of it: the standalone dashboard has none)" };
        var readOnly = new Option<bool>("--read-only") { Description = "Show everything, offer no action (re-drive, discard, revoke, purge)" };
        var command = new Command("dashboard", "The web dashboard (overview, queues, workers, tasks, dead letters, entities) until Ctrl+C") { urls, allowRemote, readOnly };
        command.SetAction(CliContext.Run(async context =>
        {
            var addresses = (context.Parse.GetValue(urls) ?? DefaultUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var address in addresses)
            {
                // Kestrel's wildcards (http://*:5090, http://+:5090) bind every interface: checked as 0.0.0.0.
                var checkable = address.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
                if (!Uri.TryCreate(checkable, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    return CliContext.Error($"--urls: '{address}' is not an http(s) URL, e.g. {DefaultUrls}", ExitCodes.Usage);
                }

                if (!IsLoopback(uri) && !context.Parse.GetValue(allowRemote))
                {
                    return CliContext.Error($"--urls: '{address}' is not a loopback address; the standalone dashboard has no authentication. Use http://127.0.0.1:<port>, or pass --allow-remote behind an authenticating proxy.", ExitCodes.Usage);
                }
            }

            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Production" });
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("TaskFlow.Dashboard", LogLevel.Information);
            builder.WebHost.UseUrls(addresses);
            var services = builder.Services;
            if (context.HasStore)
            {
                var store = context.Store;
                var (current, required) = await store.GetSchemaVersionAsync(context.CancellationToken).ConfigureAwait(false);
                if (current < required)
                {
                    return CliContext.Error($"the state store's schema is at version {current}, the dashboard needs {required} (its audit log): run 'taskflow schema apply' first.", ExitCodes.Failed);
                }

                services.AddSingleton(store);
                if (store is TaskStateStore concrete)
                {
                    services.AddSingleton(concrete);
                }
            }

            services.AddSingleton(context.Admin);
            services.AddTaskFlowDashboard(o => o.ReadOnly = context.Parse.GetValue(readOnly));
            var app = builder.Build();
            app.MapGet("/", (HttpContext http) => Results.Redirect(http.Request.PathBase + "/taskflow/"));
            app.MapTaskFlowDashboard("/taskflow");
            await app.StartAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var address in addresses)
            {
                context.Out.WriteLine($"TaskFlow dashboard: {address.TrimEnd('/')}/taskflow/ (Ctrl+C to stop)");
            }

            if (!context.HasStore)
            {
                context.Out.WriteLine("no state store configured (--state): queues and dead letters only, read-only (actions need the audit log)");
            }

            try
            {
                await app.WaitForShutdownAsync(context.CancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await app.StopAsync(default).ConfigureAwait(false);
                await app.DisposeAsync().ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary><c>localhost</c>, 127.0.0.0/8 and ::1; not <c>*</c>, <c>+</c>, <c>0.0.0.0</c> or a name.</summary>
    public static bool IsLoopback(Uri uri) =>
        string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
