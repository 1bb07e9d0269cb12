using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TaskFlow.Analyzers.Tests;

/// <summary>TF1001 (entity parameter) and TF1008 (entity passed to a proxy).</summary>
public sealed class EntityArgumentTests
{
    private const string Entities = """
        using System;
        using System.Collections.Generic;
        using System.ComponentModel.DataAnnotations;
        using System.Threading;
        using System.Threading.Tasks;
        using TaskFlow;

        namespace Shop;

        public class User
        {
            public int Id { get; set; }
            public string Email { get; set; } = "";
        }

        public class Customer
        {
            public Guid CustomerId { get; set; }
        }

        public class Subscriber
        {
            [Key]
            public string Email { get; set; } = "";
        }

        public record SignupRequest(string Email, string Name);

        public record struct Point(int Id, int X);
        """;

    [Fact]
    public async Task An_entity_with_an_Id_property_is_reported_with_its_key()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Entities + """
            public static partial class Tasks
            {
                [Task]
                public static Task Send(User user) => Task.CompletedTask;
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[] { "TF1001 user" });
        var message = diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        message.ShouldBe("Parameter 'user' of task 'Tasks.Send' is the entity 'User' (it has the key property 'Id'); the task would run on a snapshot taken when it was sent. Pass its key ('int userId') and load the entity when the task runs.");
        diagnostics[0].Properties["KeyProperty"].ShouldBe("Id");
        diagnostics[0].Descriptor.HelpLinkUri.ShouldBe("https://github.com/taskflow-dotnet/taskflow/blob/main/docs/analyzers/TF1001.md");
    }

    [Fact]
    public async Task Type_name_Id_and_Key_attribute_are_keys()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Entities + """
            public static partial class Tasks
            {
                [Task]
                public static Task Bill(Customer customer) => Task.CompletedTask;

                [Task]
                public static Task Mail(Subscriber subscriber) => Task.CompletedTask;
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[] { "TF1001 customer", "TF1001 subscriber" });
        diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture).ShouldContain("(it has the key property 'CustomerId')");
        diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture).ShouldContain("Pass its key ('Guid customerId')");
        diagnostics[1].GetMessage(System.Globalization.CultureInfo.InvariantCulture).ShouldContain("Pass its key ('string subscriberEmail')");
    }

    [Fact]
    public async Task A_type_exposed_as_a_DbSet_is_an_entity_even_without_a_key()
    {
        // A stand-in for EF Core: detection is by name, so the package does not need EF Core.
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Entities + """
            public class DbContext { }
            public class DbSet<T> { }

            public class AuditEntry
            {
                public string Text { get; set; } = "";
            }

            public class ShopDb : DbContext
            {
                public DbSet<AuditEntry> Audit { get; set; } = new();
            }

            public static partial class Tasks
            {
                [Task]
                public static Task Archive(AuditEntry entry) => Task.CompletedTask;
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[] { "TF1001 entry" });
        diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture).ShouldContain("(it is exposed as a DbSet<AuditEntry> by a DbContext)");
        diagnostics[0].Properties.ShouldNotContainKey("KeyProperty");
    }

    [Fact]
    public async Task A_type_deriving_from_a_base_listed_in_editorconfig_is_an_entity()
    {
        const string source = """
            using System.Threading.Tasks;
            using TaskFlow;

            namespace My.Domain
            {
                public abstract class Entity { }
                public interface IAggregateRoot { }
                public class Invoice : Entity { public string Number { get; set; } = ""; }
                public class Cart : IAggregateRoot { }
                public class Coupon { }
            }

            namespace My.Tasks
            {
                public static partial class Billing
                {
                    [Task]
                    public static Task Send(My.Domain.Invoice invoice, My.Domain.Cart cart, My.Domain.Coupon coupon) => Task.CompletedTask;
                }
            }
            """;

        (await AnalyzerHarness.FindAsync(source)).ShouldBeEmpty();
        var configured = await AnalyzerHarness.FindAsync(source, new Dictionary<string, string> { ["taskflow.entity_base_types"] = "My.Domain.Entity, global::My.Domain.IAggregateRoot" });
        configured.ShouldBe(new[] { "TF1001 invoice", "TF1001 cart" });
    }

    [Fact]
    public async Task A_real_editorconfig_is_read_through_the_workspace()
    {
        var projects = new[]
        {
            new TestProject("Billing", new Dictionary<string, string>
            {
                ["Tasks.cs"] = """
                    using System.Threading.Tasks;
                    using TaskFlow;

                    namespace My.Domain { public abstract class Entity<TId> { } public class Invoice : Entity<long> { } }

                    public static partial class Billing
                    {
                        [Task]
                        public static Task Send(My.Domain.Invoice invoice) => Task.CompletedTask;
                    }
                    """,
            }),
        };

        (await CodeFixHarness.DiagnoseAsync(projects, editorConfig: null)).ShouldBeEmpty();
        var diagnostics = await CodeFixHarness.DiagnoseAsync(projects, "taskflow.entity_base_types = My.Domain.Entity<TId>");
        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[] { "TF1001 invoice" });
    }

    [Fact]
    public async Task A_collection_of_entities_is_reported_without_a_fix()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Entities + """
            public static partial class Tasks
            {
                [Task]
                public static Task SendAll(List<User> users, User[] more, IReadOnlyList<Customer> customers) => Task.CompletedTask;
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[] { "TF1001 users", "TF1001 more", "TF1001 customers" });
        diagnostics.ShouldAllBe(diagnostic => !diagnostic.Properties.ContainsKey("KeyProperty"));
        diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture).ShouldContain("Pass the keys of the User entities");
    }

    [Fact]
    public async Task Values_records_without_identity_structs_and_services_are_not_entities()
    {
        var diagnostics = await AnalyzerHarness.FindAsync(Entities + """
            public interface IUserRepository { User? Find(int id); }

            public class UserCache
            {
                public int Id { get; set; }
            }

            public static partial class Tasks
            {
                [Task]
                public static Task Send(
                    int userId,
                    string email,
                    Guid customerId,
                    SignupRequest request,
                    Point point,
                    List<int> userIds,
                    System.Diagnostics.Activity? activity,
                    IUserRepository users,
                    [FromServices] UserCache cache,
                    TaskContext context,
                    CancellationToken cancellationToken) => Task.CompletedTask;

                // Not a task: nothing is serialized.
                public static Task Helper(User user) => Task.CompletedTask;
            }
            """);

        diagnostics.ShouldBeEmpty();
    }

    [Fact]
    public async Task Passing_an_entity_to_a_proxy_is_reported_at_the_call_site()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(Entities + """
            public static partial class Tasks
            {
                [Task]
                public static Task Send(User user, CancellationToken cancellationToken) => Task.CompletedTask;

                [Task]
                public static Task Log(object payload, string note) => Task.CompletedTask;
            }

            public sealed class Signup(Tasks.Client tasks)
            {
                public async Task Run(User user, SignupRequest request, CancellationToken ct)
                {
                    await tasks.Send.DelayAsync(user, ct);
                    await tasks.Send.ApplyAsync(user, new SendOptions { Countdown = TimeSpan.FromMinutes(1) }, ct);
                    await tasks.Log.DelayAsync(user, note: "signup");
                    await tasks.Log.DelayAsync(request, "no identity");
                    await tasks.Log.DelayAsync(user.Id, user.Email);
                }
            }
            """);

        diagnostics.Select(AnalyzerHarness.Describe).ShouldBe(new[] { "TF1001 user", "TF1008 user", "TF1008 user", "TF1008 user" });
        diagnostics[1].GetMessage(System.Globalization.CultureInfo.InvariantCulture).ShouldBe(
            "Argument 'user' of 'Send.DelayAsync' passes the entity 'User' (it has the key property 'Id'); the task would run on a snapshot taken now. Pass its key ('user.Id') and load the entity when the task runs.");
        diagnostics[3].GetMessage(System.Globalization.CultureInfo.InvariantCulture).ShouldStartWith("Argument 'payload' of 'Log.DelayAsync'");
    }
}
