using System;
using System.IO;
using System.Linq;
using Shouldly;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.EfCore.Tests;

/// <summary>docs/efcore.md shows the code these tests run: each marked region of the sources appears in it unchanged (dedented).</summary>
public sealed class DocsInSyncTests
{
    [Theory]
    [InlineData("Shop/CustomerSignup.cs", "outbox")]
    [InlineData("Shop/ShopTasks.cs", "award-points")]
    [InlineData("Shop/TaskTransactionExtensions.cs", "task-transaction")]
    public void The_page_shows_the_tested_code(string source, string region)
    {
        var lines = File.ReadAllLines(Path.Combine(TestEnvironment.RepositoryRoot, "tests/TaskFlow.EfCore.Tests", source));
        var start = Array.FindIndex(lines, line => line.Trim() == $"// <{region}>");
        var end = Array.FindIndex(lines, line => line.Trim() == $"// </{region}>");
        start.ShouldBeGreaterThanOrEqualTo(0, $"{source} marks // <{region}>");
        end.ShouldBeGreaterThan(start, $"{source} marks // </{region}>");
        var body = lines[(start + 1)..end];
        var indent = body.Where(line => line.Trim().Length > 0).Min(line => line.Length - line.TrimStart().Length);
        var code = string.Join("\n", body.Select(line => line.Length >= indent ? line[indent..] : line.TrimStart()));

        var page = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "docs/efcore.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        page.ShouldContain(code, Case.Sensitive, $"docs/efcore.md shows {source}'s <{region}> region as it is");
    }
}
