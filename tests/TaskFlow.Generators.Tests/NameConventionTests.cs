using Shouldly;
using Xunit;

namespace TaskFlow.Generators.Tests;

public class NameConventionTests
{
    [Theory]
    [InlineData("userId", "user_id")]
    [InlineData("HTMLParser", "html_parser")]
    [InlineData("SignupTasks", "signup_tasks")]
    [InlineData("SendWelcomeEmail", "send_welcome_email")]
    [InlineData("userID", "user_id")]
    [InlineData("already_snake", "already_snake")]
    [InlineData("_private", "_private")]
    [InlineData("Version2Api", "version2_api")]
    [InlineData("x", "x")]
    [InlineData("IO", "io")]
    [InlineData("ÉcoleId", "école_id")]
    public void Snake_case_matches_System_Text_Json(string name, string expected)
    {
        NameConventions.ToSnakeCase(name).ShouldBe(expected);
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name).ShouldBe(expected);
    }

    [Theory]
    [InlineData("Signup.Tasks", "SignupTasks", "AddSignupTasks", "SignupTasksTaskFlowBuilderExtensions")]
    [InlineData("Scoring", "Scoring", "AddScoringTasks", "ScoringTaskFlowBuilderExtensions")]
    [InlineData("MyApp.Worker", "MyAppWorker", "AddMyAppWorkerTasks", "MyAppWorkerTaskFlowBuilderExtensions")]
    [InlineData("my-app.worker_jobs", "MyAppWorkerJobs", "AddMyAppWorkerJobsTasks", "MyAppWorkerJobsTaskFlowBuilderExtensions")]
    [InlineData("Tasks", "Tasks", "AddTasks", "TasksTaskFlowBuilderExtensions")]
    [InlineData("1st.App", "_1stApp", "Add_1stAppTasks", "_1stAppTaskFlowBuilderExtensions")]
    [InlineData("", "Assembly", "AddAssemblyTasks", "AssemblyTaskFlowBuilderExtensions")]
    public void Registration_names_come_from_the_assembly_name(string assemblyName, string sanitized, string method, string type)
    {
        NameConventions.SanitizeAssemblyName(assemblyName).ShouldBe(sanitized);
        NameConventions.RegistrationMethodName(sanitized).ShouldBe(method);
        NameConventions.RegistrationClassName(sanitized).ShouldBe(type);
    }

    [Fact]
    public void Default_task_names_join_snake_cased_segments()
    {
        NameConventions.DefaultTaskName("Signup", new[] { "SignupTasks" }, "SendWelcomeEmail").ShouldBe("signup.signup_tasks.send_welcome_email");
        NameConventions.DefaultTaskName("Shop.Orders", new[] { "Outer", "Inner" }, "Ship").ShouldBe("shop.orders.outer.inner.ship");
        NameConventions.DefaultTaskName(string.Empty, new[] { "GlobalTasks" }, "Run").ShouldBe("global_tasks.run");
    }

    [Fact]
    public void Generated_identifiers_avoid_taken_names_and_escape_keywords()
    {
        NameConventions.Unique("options", new[] { "options", "_options" }).ShouldBe("__options");
        NameConventions.Unique("options", new[] { "userId" }).ShouldBe("options");
        NameConventions.ToIdentifier("class").ShouldBe("@class");
        NameConventions.ToIdentifier("value").ShouldBe("value");
    }
}
