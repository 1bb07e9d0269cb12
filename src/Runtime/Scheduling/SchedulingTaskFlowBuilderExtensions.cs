using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Core;
using TaskFlow.Infrastructure;
using TaskFlow.Scheduling.Internal;

namespace TaskFlow.Scheduling;

/// <summary>Periodic tasks: <c>AddScheduler()</c> (the process takes part in electing the one active scheduler) and <c>AddSchedule</c> (a schedule declared in code).</summary>
public static class SchedulingTaskFlowBuilderExtensions
{
    /// <summary>
    /// Runs a scheduler in this process: it stores the schedules declared in code at start-up and, while it holds the
    /// database lease, fires the due schedules through the outbox. Start it in as many processes as you like: one fires.
    /// Needs the state store (<c>AddStateStore</c>).
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddTaskFlow(...)</c>.</param>
    /// <param name="configure">Changes the defaults of <see cref="SchedulerOptions"/>.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static TaskFlowBuilder AddScheduler(this TaskFlowBuilder builder, Action<SchedulerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder);
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        return builder;
    }

    /// <summary>Runs a scheduler in this process, its options bound from <paramref name="configuration"/> (e.g. <c>TaskFlow:Scheduler</c>).</summary>
    /// <param name="builder">The builder returned by <c>AddTaskFlow(...)</c>.</param>
    /// <param name="configuration">The section with the <see cref="SchedulerOptions"/> values.</param>
    /// <param name="configure">Changes applied after binding.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static TaskFlowBuilder AddScheduler(this TaskFlowBuilder builder, IConfiguration configuration, Action<SchedulerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        Register(builder);
        builder.Services.AddOptions<SchedulerOptions>().Configure(options => ConfigurationCheck.Bind(configuration, options, []));
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        return builder;
    }

    /// <summary>
    /// Declares a schedule in code that sends a task with arguments, typed through the task's generated proxy:
    /// <c>AddSchedule&lt;NotesTasks.Client&gt;("cleanup-eu", c =&gt; c.Cleanup.DelayAsync("eu"), s =&gt; s.Cron = "0 3 * * *")</c>.
    /// The lambda runs once, at registration, over a client that records the call instead of sending it.
    /// </summary>
    /// <typeparam name="TClient">A generated <c>Client</c> (its constructor takes an <see cref="ITaskClient"/>).</typeparam>
    /// <param name="builder">The builder returned by <c>AddTaskFlow(...)</c>.</param>
    /// <param name="name">The schedule's unique name.</param>
    /// <param name="call">Calls one task of the proxy with the schedule's arguments.</param>
    /// <param name="configure">Sets the timing (cron or interval) and the policies.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static TaskFlowBuilder AddSchedule<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TClient>(
        this TaskFlowBuilder builder, string name, Func<TClient, ValueTask<TaskHandle>> call, Action<ScheduleOptions> configure)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(call);
        return AddRecorded<TClient>(builder, name, client => Recorded(call(client)), configure);
    }

    /// <summary>Declares a schedule in code for a task with a result; see the other overload.</summary>
    /// <typeparam name="TClient">A generated <c>Client</c>.</typeparam>
    /// <typeparam name="TResult">The task's result.</typeparam>
    /// <param name="builder">The builder returned by <c>AddTaskFlow(...)</c>.</param>
    /// <param name="name">The schedule's unique name.</param>
    /// <param name="call">Calls one task of the proxy with the schedule's arguments.</param>
    /// <param name="configure">Sets the timing (cron or interval) and the policies.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static TaskFlowBuilder AddSchedule<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TClient, TResult>(
        this TaskFlowBuilder builder, string name, Func<TClient, ValueTask<TaskHandle<TResult>>> call, Action<ScheduleOptions> configure)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(call);
        return AddRecorded<TClient>(builder, name, client => Recorded(call(client)), configure);
    }

    /// <summary>Registers a schedule declared with <see cref="PeriodicAttribute"/> (called by the generated <c>Add{Assembly}Tasks()</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The schedule's name.</param>
    /// <param name="task">The task's descriptor.</param>
    /// <param name="arguments">The task's constant arguments, or <see langword="null"/>.</param>
    /// <param name="options">The timing and policies.</param>
    /// <returns>The same builder, for chaining.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static TaskFlowBuilder AddPeriodic(this TaskFlowBuilder builder, string name, TaskDescriptor task, ITaskArgumentWriter? arguments, ScheduleOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        builder.Services.AddSingleton(new DeclaredSchedule(name, task, arguments, null, options));
        return builder;
    }

    private static TaskFlowBuilder AddRecorded<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TClient>(
        TaskFlowBuilder builder, string name, Action<TClient> call, Action<ScheduleOptions> configure)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var recorder = new CallRecorder();
        var constructor = typeof(TClient).GetConstructor([typeof(ITaskClient)])
            ?? throw new ArgumentException($"TaskFlow: schedule '{name}': {typeof(TClient).FullName} is not a generated task client (it has no constructor taking an ITaskClient). Use the Client class generated for your [Task] methods, e.g. NotesTasks.Client.", nameof(TClient));
        call((TClient)constructor.Invoke([recorder]));
        if (recorder.Calls != 1 || recorder.Task is null)
        {
            throw new ArgumentException($"TaskFlow: schedule '{name}': the lambda must call exactly one task of the client once (e.g. c => c.Cleanup.DelayAsync(\"eu\")); it made {recorder.Calls} call(s).", nameof(call));
        }

        var options = new ScheduleOptions();
        configure(options);
        builder.Services.AddSingleton(new DeclaredSchedule(name, recorder.Task, recorder.Arguments, recorder.Queue, options));
        return builder;
    }

    /// <summary>The recorded call completes at once (the recorder sends nothing); anything else is not a proxy call.</summary>
    private static void Recorded<THandle>(ValueTask<THandle> pending)
    {
        if (!pending.IsCompleted)
        {
            throw new ArgumentException("TaskFlow: AddSchedule's lambda must return the proxy call itself (c => c.Cleanup.DelayAsync(\"eu\")), not await other work.");
        }

        _ = pending.Result;
    }

    private static void Register(TaskFlowBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(Scheduler)))
        {
            return;
        }

        services.AddOptions<SchedulerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SchedulerOptions>, SchedulerOptionsValidator>());
        var registry = builder.Registry;
        services.AddSingleton(sp => new Scheduler(
            sp.GetService<IScheduleStore>() ?? throw new InvalidOperationException("TaskFlow: AddScheduler() needs the state store, which keeps the schedules and the scheduler lease: add .AddStateStore(o => o.UsePostgreSql(...)) to the TaskFlow registration."),
            sp.GetRequiredService<IOptions<SchedulerOptions>>().Value,
            sp.GetServices<DeclaredSchedule>(),
            registry,
            sp.GetRequiredService<IOptions<TaskFlowOptions>>().Value,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("TaskFlow.Scheduling")));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Scheduler>());
    }
}
