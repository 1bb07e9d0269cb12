using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shouldly;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>One configuration surface: every step binds from configuration, unknown keys and impossible values fail at start-up.</summary>
public sealed class ConfigurationTests
{
    private static HostApplicationBuilder Builder(IDictionary<string, string?> settings, string? json = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (json is not null)
        {
            builder.Configuration.AddJsonFile(json, optional: false);
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        return builder;
    }

    private static TaskFlowBuilder AddAll(HostApplicationBuilder builder)
    {
        var taskflow = builder.Configuration.GetSection("TaskFlow");
        return builder.Services.AddTaskFlow(taskflow)
            .UseRabbitMq(taskflow.GetSection("RabbitMq"))
            .AddTaskFlowCoreTestsTasks()
            .AddWorker(taskflow.GetSection("Worker"));
    }

    [Fact]
    public void The_documented_appsettings_example_binds_end_to_end()
    {
        var builder = Builder(new Dictionary<string, string?>(), Path.Combine(AppContext.BaseDirectory, "signup-worker.appsettings.json"));
        AddAll(builder);
        using var host = builder.Build();

        var rabbit = host.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        rabbit.ConnectionUri.ShouldBe(new Uri("amqp://guest:guest@127.0.0.1:5672/"));
        rabbit.QueueType.ShouldBe(QueueType.Quorum);
        rabbit.DeliveryLimit.ShouldBe(20);
        var core = host.Services.GetRequiredService<IOptions<TaskFlowOptions>>().Value;
        core.DefaultQueue.ShouldBe("default");
        core.DefaultRetryPolicy.MaxRetries.ShouldBe(0);
        var worker = host.Services.GetRequiredService<IOptions<TaskFlowWorkerOptions>>().Value;
        worker.ShutdownGracePeriod.ShouldBe(TimeSpan.FromSeconds(30));
        worker.Queues.Select(q => (q.Name, q.Concurrency, q.EffectivePrefetch)).ShouldBe([("emails", 4, 16), ("notifications", 4, 16)]);
    }

    [Fact]
    public void A_queue_from_configuration_gets_the_same_prefetch_default_as_AddQueue()
    {
        var builder = Builder(new Dictionary<string, string?>
        {
            ["TaskFlow:Worker:Queues:0:Name"] = "bound",
            ["TaskFlow:Worker:Queues:0:Concurrency"] = "3",
        });
        AddAll(builder).AddWorker(w => w.AddQueue("coded", concurrency: 3));
        using var host = builder.Build();

        var queues = host.Services.GetRequiredService<IOptions<TaskFlowWorkerOptions>>().Value.Queues;
        queues.Select(q => q.EffectivePrefetch).ShouldBe([12, 12]);
    }

    [Theory]
    [InlineData(2, null, 8, 66)]      // the default queue on 2 cores: 4 x 2 without a store, 2 + 64 with one
    [InlineData(16, null, 64, 80)]    // 16 + 64
    [InlineData(64, null, 256, 256)]  // 4 x 64 = 64 + 64 + 128: the same
    [InlineData(100, null, 400, 400)] // 4 x 100 is more than 100 + 100: never below the default without a store
    [InlineData(2, 10, 10, 10)]       // an explicit prefetch wins either way
    public void With_a_state_store_the_default_prefetch_covers_what_the_worker_dispatches(int concurrency, int? prefetch, int without, int with)
    {
        var queue = new WorkerQueueOptions { Name = "q", Concurrency = concurrency, Prefetch = prefetch };

        queue.EffectivePrefetch.ShouldBe(without);
        queue.PrefetchWith(stateStore: false).ShouldBe(without);
        queue.PrefetchWith(stateStore: true).ShouldBe(with);
        // Nothing the worker dispatches at once waits on the broker for lack of prefetch.
        if (prefetch is null)
        {
            queue.PrefetchWith(stateStore: true).ShouldBeGreaterThanOrEqualTo(TaskFlow.Core.TaskSlots.DispatchConcurrency(concurrency, int.MaxValue, overlap: true));
        }
    }

    [Fact]
    public void Cluster_endpoints_credentials_and_tls_bind_apart_from_the_uri()
    {
        var builder = Builder(new Dictionary<string, string?>
        {
            ["TaskFlow:RabbitMq:ConnectionUri"] = "amqps://rabbit.example/prod",
            ["TaskFlow:RabbitMq:Endpoints:0"] = "node1:5671",
            ["TaskFlow:RabbitMq:Endpoints:1"] = "node2",
            ["TaskFlow:RabbitMq:UserName"] = "app",
            ["TaskFlow:RabbitMq:Password"] = "secret",
            ["TaskFlow:RabbitMq:Tls:ServerName"] = "rabbit.example",
        });
        AddAll(builder);
        using var host = builder.Build();

        var rabbit = host.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        rabbit.Endpoints.ShouldBe(["node1:5671", "node2"]);
        (rabbit.UserName, rabbit.Password, rabbit.Tls.ServerName).ShouldBe(("app", "secret", "rabbit.example"));
        var endpoints = RabbitMq.Internal.BrokerEndpoints.Of(rabbit);
        endpoints.Select(e => (e.HostName, e.Port, e.Ssl.Enabled, e.Ssl.ServerName)).ShouldBe([("node1", 5671, true, "rabbit.example"), ("node2", 5671, true, "rabbit.example")]);
        var factory = RabbitMq.Internal.BrokerEndpoints.Factory(rabbit);
        (factory.UserName, factory.Password, factory.VirtualHost).ShouldBe(("app", "secret", "prod"));
        RabbitMq.Internal.BrokerEndpoints.Describe(rabbit).ShouldNotContain("secret");
    }

    [Theory]
    [InlineData("TaskFlow:DefaultQeue", "default", "DefaultQeue")]
    [InlineData("TaskFlow:RabbitMq:ConectionUri", "amqp://x/", "ConectionUri")]
    [InlineData("TaskFlow:Worker:Queues:0:Prefech", "8", "Prefech")]
    public async Task An_unknown_key_fails_at_start_up_naming_the_key(string key, string value, string expected)
    {
        var builder = Builder(new Dictionary<string, string?> { [key] = value, ["TaskFlow:Worker:Queues:0:Name"] = "q" });
        AddAll(builder);
        using var host = builder.Build();

        var error = await Should.ThrowAsync<InvalidOperationException>(() => host.StartAsync());

        error.Message.ShouldContain(expected);
        error.Message.ShouldContain("TaskFlow");
    }

    [Theory]
    [InlineData("TaskFlow:Worker:ShutdownCancellationWait", "-00:00:01", "ShutdownCancellationWait must not be negative")]
    [InlineData("TaskFlow:Worker:Queues:0:Prefetch", "2", "Prefetch (2) is lower than Concurrency (8)")]
    [InlineData("TaskFlow:RabbitMq:UserName", "only-a-user", "UserName and Password go together")]
    [InlineData("TaskFlow:RabbitMq:Endpoints:0", "node1:99999", "'node1:99999' is not 'host' or 'host:port'")]
    [InlineData("TaskFlow:DefaultRetryPolicy:MaxRetries", "-1", "MaxRetries must be between 0 and 1000")]
    public async Task Impossible_values_fail_at_start_up_with_what_to_change(string key, string value, string expected)
    {
        var builder = Builder(new Dictionary<string, string?>
        {
            ["TaskFlow:Worker:Queues:0:Name"] = "q",
            ["TaskFlow:Worker:Queues:0:Concurrency"] = "8",
            [key] = value,
        });
        AddAll(builder);
        using var host = builder.Build();

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain(expected);
    }

    [Fact]
    public async Task Without_a_transport_start_up_says_to_chain_UseRabbitMq()
    {
        var builder = Builder(new Dictionary<string, string?>());
        builder.Services.AddTaskFlow().AddTaskFlowCoreTestsTasks();
        using var host = builder.Build();

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain(".UseRabbitMq(...)");
    }

    [Fact]
    public async Task A_worker_with_no_registered_tasks_fails_at_start_up()
    {
        var builder = Builder(new Dictionary<string, string?>());
        builder.Services.AddTaskFlow().UseRabbitMq().AddWorker(w => w.AddQueue("q"));
        using var host = builder.Build();

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain("no tasks to run");
    }

    [Fact]
    public async Task Binding_the_default_retry_policy_never_writes_into_a_shared_policy()
    {
        // The bug: binding TaskFlow:DefaultRetryPolicy mutated the static RetryPolicy.None (MaxRetries 0 -> 5), so a
        // second host in the same process saw retries it never configured.
        var first = Builder(new Dictionary<string, string?> { ["TaskFlow:DefaultRetryPolicy:MaxRetries"] = "5" });
        first.Services.AddTaskFlow(first.Configuration.GetSection("TaskFlow"), o => o.Eager = true);
        using var firstHost = first.Build();
        await firstHost.StartAsync();
        firstHost.Services.GetRequiredService<IOptions<TaskFlowOptions>>().Value.DefaultRetryPolicy.MaxRetries.ShouldBe(5);

        RetryPolicy.None.MaxRetries.ShouldBe(0);
        var second = Builder(new Dictionary<string, string?>());
        second.Services.AddTaskFlow(o => o.Eager = true);
        using var secondHost = second.Build();
        await secondHost.StartAsync();
        secondHost.Services.GetRequiredService<IOptions<TaskFlowOptions>>().Value.DefaultRetryPolicy.MaxRetries.ShouldBe(0);
        await firstHost.StopAsync();
        await secondHost.StopAsync();
    }
}
