using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using TaskFlow.TestSupport;
using Xunit.Sdk;

namespace TaskFlow.Generators.Tests.Infrastructure;

/// <summary>
/// Compares generated sources with <c>Baselines/{test}/{hint name}.txt</c>. Set <c>TASKFLOW_UPDATE_BASELINES=1</c> to
/// rewrite them instead (then review the diff). The generator version is replaced by a placeholder so that a version
/// bump does not churn every baseline.
/// </summary>
internal static class Baseline
{
    private const string VersionPlaceholder = "{GeneratorVersion}";

    /// <summary>Baselines are read from (and, with TASKFLOW_UPDATE_BASELINES=1, written to) the source tree.</summary>
    public static readonly string Directory = Path.Combine(TestEnvironment.RepositoryRoot, "tests", "TaskFlow.Generators.Tests", "Baselines");

    private static bool Update => Environment.GetEnvironmentVariable("TASKFLOW_UPDATE_BASELINES") == "1";

    public static void Verify(string testName, GeneratorRun run)
    {
        var directory = Path.Combine(Directory, testName);
        var actual = run.Sources.ToDictionary(
            source => source.HintName + ".txt",
            source => Normalize(source.SourceText.ToString()),
            StringComparer.Ordinal);

        if (Update)
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }

            System.IO.Directory.CreateDirectory(directory);
            foreach (var (file, text) in actual)
            {
                File.WriteAllText(Path.Combine(directory, file), text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }

            return;
        }

        var problems = new StringBuilder();
        var expectedFiles = System.IO.Directory.Exists(directory)
            ? System.IO.Directory.GetFiles(directory, "*.txt").Select(Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
        foreach (var missing in expectedFiles.Except(actual.Keys).Order(StringComparer.Ordinal))
        {
            problems.AppendLine("Expected a generated source for baseline " + missing + ", but none was generated.");
        }

        foreach (var (file, text) in actual.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!expectedFiles.Contains(file))
            {
                problems.AppendLine("No baseline " + Path.Combine(testName, file) + " for generated source:");
                problems.AppendLine(text);
                continue;
            }

            var expected = Normalize(File.ReadAllText(Path.Combine(directory, file)));
            if (expected != text)
            {
                problems.AppendLine("Generated source differs from baseline " + Path.Combine(testName, file) + ":");
                problems.AppendLine(LineDiff.Describe(expected, text));
            }
        }

        if (problems.Length > 0)
        {
            throw new XunitException(problems + "Run with TASKFLOW_UPDATE_BASELINES=1 to accept the new output.");
        }
    }

    private static string Normalize(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace("\"TaskFlow.Generators\", \"" + TaskGenerator.Emitter.GeneratorVersion + "\"", "\"TaskFlow.Generators\", \"" + VersionPlaceholder + "\"", StringComparison.Ordinal);
}

/// <summary>A small line diff (longest common subsequence) for failure messages.</summary>
internal static class LineDiff
{
    public static string Describe(string expected, string actual, int context = 2, int maxLines = 80)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lengths = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lengths[i, j] = a[i] == b[j] ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        var lines = new List<(char Kind, int Line, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add((' ', x + 1, a[x]));
                x++;
                y++;
            }
            else if (x < a.Length && (y == b.Length || lengths[x + 1, y] >= lengths[x, y + 1]))
            {
                lines.Add(('-', x + 1, a[x]));
                x++;
            }
            else
            {
                lines.Add(('+', y + 1, b[y]));
                y++;
            }
        }

        var output = new StringBuilder();
        var written = 0;
        for (var i = 0; i < lines.Count && written < maxLines; i++)
        {
            var near = false;
            for (var k = Math.Max(0, i - context); k <= Math.Min(lines.Count - 1, i + context); k++)
            {
                near |= lines[k].Kind != ' ';
            }

            if (near)
            {
                output.Append(lines[i].Kind).Append(' ').Append(lines[i].Line.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(4)).Append(" | ").AppendLine(lines[i].Text);
                written++;
            }
        }

        return output.ToString();
    }
}
