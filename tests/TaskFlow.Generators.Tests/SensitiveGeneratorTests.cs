using System.Linq;
using Shouldly;
using TaskFlow.Generators.Tests.Infrastructure;
using TaskFlow.Protocol;
using Xunit;

namespace TaskFlow.Generators.Tests;

/// <summary><c>[Sensitive]</c> parameters: the generator marks them in the descriptor (the runtime then sends the <c>x-taskflow-sensitive</c> header), and the redaction readers apply.</summary>
public class SensitiveGeneratorTests
{
    [Fact]
    public void A_sensitive_parameter_is_marked_in_the_descriptor_and_the_others_are_not()
    {
        var run = GeneratorHarness.RunAndCompile("""
            using System.Threading.Tasks;
            using TaskFlow;

            namespace Accounts;

            public static partial class AccountTasks
            {
                [Task]
                public static Task ResetPassword(long userId, [Sensitive] string newPassword, string? note = null) => Task.CompletedTask;

                [Task]
                public static Task Plain(long userId) => Task.CompletedTask;
            }
            """);
        var source = string.Join("\n", run.Sources.Select(s => s.SourceText.ToString()));
        source.ShouldContain("TaskArgumentDescriptor(\"newPassword\", \"new_password\", \"string\", false) { Sensitive = true },");
        source.ShouldContain("TaskArgumentDescriptor(\"userId\", \"user_id\", \"long\", false),");
        source.Split("Sensitive = true").Length.ShouldBe(2, "one sensitive argument in the whole output");
    }

    [Fact]
    public void Redaction_replaces_only_the_marked_arguments()
    {
        const string Body = """[[42,"hunter2",{"a":1}],{"api_token":"t0k","visible":"v"},{"callbacks":null}]""";
        var redacted = SensitiveArguments.RedactBody(Body, "1:new_password,5:api_token");
        redacted.ShouldBe("""[[42,"***",{"a":1}],{"api_token":"***","visible":"v"},{"callbacks":null}]""");
        SensitiveArguments.RedactBody(Body, null).ShouldBe(Body, "no header: shown as sent");
        SensitiveArguments.RedactBody("not json", "1:x").ShouldNotContain("not json");
        SensitiveArguments.RedactArguments("""[1,"secret",3]""", "1:p").ShouldBe("""[1,"***",3]""");
    }
}
