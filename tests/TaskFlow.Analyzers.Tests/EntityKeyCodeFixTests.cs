using System.Collections.Generic;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.Analyzers.Tests.Infrastructure;
using TaskFlow.CodeFixes;
using Xunit;

namespace TaskFlow.Analyzers.Tests;

/// <summary>The TF1001/TF1008 code fix, applied in an AdhocWorkspace with the generator, compared as source text.</summary>
public sealed class EntityKeyCodeFixTests
{
    private const string Usings = """
        using System;
        using System.ComponentModel.DataAnnotations;
        using System.Threading;
        using System.Threading.Tasks;
        using TaskFlow;

        """;

    private const string User = """
        public class User
        {
            public int Id { get; set; }
            public string Email { get; set; } = "";
        }

        """;

    [Fact]
    public async Task Declaration_and_proxy_call_sites_switch_to_the_key()
    {
        const string before = Usings + User + """
            public static partial class SignupTasks
            {
                [Task(Queue = "emails")]
                public static Task SendWelcomeEmail(User user, CancellationToken cancellationToken)
                {
                    Console.WriteLine(user.Id);
                    return Task.CompletedTask;
                }
            }

            public sealed class SignupController(SignupTasks.Client tasks)
            {
                public async Task Register(User user, User[] others, CancellationToken ct)
                {
                    await tasks.SendWelcomeEmail.DelayAsync(user, ct);
                    await tasks.SendWelcomeEmail.ApplyAsync(user: others[0], new SendOptions { Countdown = TimeSpan.FromMinutes(5) }, ct);
                    await tasks.SendWelcomeEmail.DelayAsync(others.Length > 1 ? others[1] : user);
                }
            }
            """;
        const string after = Usings + User + """
            public static partial class SignupTasks
            {
                [Task(Queue = "emails")]
                public static Task SendWelcomeEmail(int userId, CancellationToken cancellationToken)
                {
                    Console.WriteLine(userId);
                    return Task.CompletedTask;
                }
            }

            public sealed class SignupController(SignupTasks.Client tasks)
            {
                public async Task Register(User user, User[] others, CancellationToken ct)
                {
                    await tasks.SendWelcomeEmail.DelayAsync(user.Id, ct);
                    await tasks.SendWelcomeEmail.ApplyAsync(userId: others[0].Id, new SendOptions { Countdown = TimeSpan.FromMinutes(5) }, ct);
                    await tasks.SendWelcomeEmail.DelayAsync((others.Length > 1 ? others[1] : user).Id);
                }
            }
            """;

        (await CodeFixHarness.ApplySingleAsync(before, "TF1001", new UseEntityKeyCodeFixProvider())).ShouldBe(after);

        // The call-site diagnostic offers the same fix, with the same result.
        (await CodeFixHarness.ApplySingleAsync(before, "TF1008", new UseEntityKeyCodeFixProvider(), occurrence: 1)).ShouldBe(after);
    }

    [Fact]
    public async Task Other_uses_of_the_entity_are_left_under_a_TODO()
    {
        const string before = Usings + User + """
            public static partial class SignupTasks
            {
                [Task]
                public static void Greet(User user)
                {
                    Console.WriteLine(user.Email);
                }
            }
            """;
        const string after = Usings + User + """
            public static partial class SignupTasks
            {
                [Task]
                public static void Greet(int userId)
                {
                    // TODO(TF1001): 'user' is now its key 'userId'; load the current User here.
                    Console.WriteLine(user.Email);
                }
            }
            """;

        (await CodeFixHarness.ApplySingleAsync(before, "TF1001", new UseEntityKeyCodeFixProvider())).ShouldBe(after);
    }

    [Fact]
    public async Task Nullable_entities_become_nullable_keys_and_Key_attribute_names_the_key()
    {
        const string before = Usings + """
            public class Subscriber
            {
                [Key]
                public string Email { get; set; } = "";
            }

            public static partial class MailTasks
            {
                [Task]
                public static Task Mail(Subscriber? subscriber, string? subscriberEmail) => Task.CompletedTask;
            }

            public static class Sender
            {
                public static async Task Send(MailTasks.Client tasks, Subscriber? subscriber) =>
                    await tasks.Mail.DelayAsync(subscriber, null);
            }
            """;
        const string after = Usings + """
            public class Subscriber
            {
                [Key]
                public string Email { get; set; } = "";
            }

            public static partial class MailTasks
            {
                [Task]
                public static Task Mail(string? subscriberEmail2, string? subscriberEmail) => Task.CompletedTask;
            }

            public static class Sender
            {
                public static async Task Send(MailTasks.Client tasks, Subscriber? subscriber) =>
                    await tasks.Mail.DelayAsync(subscriber?.Email, null);
            }
            """;

        (await CodeFixHarness.ApplySingleAsync(before, "TF1001", new UseEntityKeyCodeFixProvider())).ShouldBe(after);
    }

    [Fact]
    public async Task Call_sites_in_other_documents_and_projects_are_updated()
    {
        var tasks = Usings + "namespace Shop;\n\n" + User + """
            public static partial class OrderTasks
            {
                [Task]
                public static Task Ship(User buyer, string note) => Task.CompletedTask;
            }
            """;
        var localCaller = """
            using System.Threading.Tasks;

            namespace Shop;

            public static class Checkout
            {
                public static Task Run(OrderTasks.Client tasks, User user) => tasks.Ship.DelayAsync(user, "checkout").AsTask();

                public static Task RunNow(User user) => OrderTasks.Ship(user, "inline");
            }
            """;
        var webCaller = """
            using System.Threading.Tasks;
            using Shop;

            namespace Web;

            public sealed class OrdersController(OrderTasks.Client tasks)
            {
                public async Task Post(User user) => await tasks.Ship.DelayAsync(buyer: user, note: "web");
            }
            """;
        var projects = new[]
        {
            new TestProject("Shop", new Dictionary<string, string> { ["OrderTasks.cs"] = tasks, ["Checkout.cs"] = localCaller }),
            new TestProject("Web", new Dictionary<string, string> { ["OrdersController.cs"] = webCaller }, "Shop"),
        };

        var fixedTexts = await CodeFixHarness.ApplyAsync(projects, "TF1001", new UseEntityKeyCodeFixProvider());

        fixedTexts["OrderTasks.cs"].ShouldBe(tasks.Replace("Ship(User buyer, string note)", "Ship(int buyerId, string note)", System.StringComparison.Ordinal));
        fixedTexts["Checkout.cs"].ShouldBe(localCaller
            .Replace("DelayAsync(user, \"checkout\")", "DelayAsync(user.Id, \"checkout\")", System.StringComparison.Ordinal)
            .Replace("Ship(user, \"inline\")", "Ship(user.Id, \"inline\")", System.StringComparison.Ordinal));
        fixedTexts["OrdersController.cs"].ShouldBe(webCaller.Replace("DelayAsync(buyer: user,", "DelayAsync(buyerId: user.Id,", System.StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_fix_for_collections_or_for_a_task_that_takes_a_base_type()
    {
        const string source = Usings + User + """
            public static partial class T
            {
                [Task]
                public static Task All(User[] users) => Task.CompletedTask;

                [Task]
                public static Task Log(object payload) => Task.CompletedTask;
            }

            public static class Caller
            {
                public static async Task Run(T.Client tasks, User user) => await tasks.Log.DelayAsync(user);
            }
            """;

        (await CodeFixHarness.OfferedAsync(source, "TF1001", new UseEntityKeyCodeFixProvider())).ShouldBeEmpty();
        (await CodeFixHarness.OfferedAsync(source, "TF1008", new UseEntityKeyCodeFixProvider())).ShouldBeEmpty();
    }
}
