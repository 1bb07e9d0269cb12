using System;
using System.Collections.Concurrent;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Signup;
using Xunit;

namespace TaskFlow.Testing.Tests;

/// <summary>
/// The signup example's task logic, tested with the harness and no broker or database: what the web app sends for a
/// new user, and each task run as a worker would run it (idempotent on redelivery, failures dead-lettered).
/// </summary>
public sealed class SignupExampleTests : IAsyncDisposable
{
    private const string WelcomeEmail = "signup.signup_tasks.send_welcome_email";
    private const string Sms = "signup.signup_tasks.send_sms";

    private readonly ServiceProvider _services;
    private readonly FakeUsers _users = new();

    public SignupExampleTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IUserDirectory>(_users);
        services.AddSingleton<INotificationLog>(_users);
        services.AddTaskFlow().AddSignupTasks();
        services.AddTaskFlowTestHarness();
        _services = services.BuildServiceProvider();
    }

    private TaskFlowTestHarness Harness => _services.GetRequiredService<TaskFlowTestHarness>();

    private SignupTasks.Client Tasks => _services.GetRequiredService<SignupTasks.Client>();

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    [Fact]
    public async Task WelcomeEmail_SentTwice_IsSentOnce()
    {
        _users.Add(new User(1, "ada@example.com", null, DateTimeOffset.UnixEpoch));
        await Tasks.SendWelcomeEmail.DelayAsync(1);
        await Tasks.SendWelcomeEmail.DelayAsync(1);

        var sent = Harness.Sent.Named(WelcomeEmail);
        sent.Select(s => s.Argument<int>("userId")).ShouldBe([1, 1]);
        sent.ShouldAllBe(s => s.Queue == "emails");

        var runs = await Harness.RunUntilIdleAsync();

        runs.Select(r => r.Outcome).ShouldBe(["succeeded", "succeeded"]);
        _users.Sent.ShouldBe([(1, NotificationChannel.WelcomeEmail)]);
    }

    [Fact]
    public async Task Sms_WhenTheGatewayFails_IsDeadLettered_AndNothingIsRecorded()
    {
        _users.Add(new User(2, "bob@example.com", "+15550100", DateTimeOffset.UnixEpoch));
        Harness.FailNext(Sms, new TimeoutException("gateway timeout"));
        await Tasks.SendSms.DelayAsync(2);

        var run = (await Harness.RunUntilIdleAsync()).Single();

        run.Outcome.ShouldBe("dead_lettered");
        run.Exception.ShouldBeOfType<TimeoutException>();
        _users.Sent.ShouldBeEmpty();
    }

    [Fact]
    public async Task Sms_ForAUserWithoutPhone_SucceedsWithoutSending()
    {
        _users.Add(new User(3, "cy@example.com", null, DateTimeOffset.UnixEpoch));
        await Tasks.SendSms.DelayAsync(3);

        (await Harness.RunUntilIdleAsync()).Single().Outcome.ShouldBe("succeeded");
        _users.Sent.ShouldBeEmpty();
    }

    private sealed class FakeUsers : IUserDirectory, INotificationLog
    {
        private readonly ConcurrentDictionary<int, User> _users = new();
        private readonly ConcurrentDictionary<(int, NotificationChannel), DateTimeOffset> _sent = new();

        public (int, NotificationChannel)[] Sent => _sent.Keys.ToArray();

        public void Add(User user) => _users[user.Id] = user;

        public ValueTask<User> CreateAsync(string email, string? phone, DbTransaction transaction, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public ValueTask<User?> FindAsync(int userId, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_users.TryGetValue(userId, out var user) ? user : null);

        public ValueTask<DateTimeOffset?> SentAtAsync(int userId, NotificationChannel channel, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_sent.TryGetValue((userId, channel), out var at) ? at : (DateTimeOffset?)null);

        public ValueTask RecordSentAsync(int userId, NotificationChannel channel, CancellationToken cancellationToken)
        {
            _sent.TryAdd((userId, channel), DateTimeOffset.UnixEpoch);
            return ValueTask.CompletedTask;
        }
    }
}
