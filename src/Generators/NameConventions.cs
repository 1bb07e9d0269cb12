using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace TaskFlow.Generators;

/// <summary>How the generator derives names: wire names, the registration method, and collision-free identifiers.</summary>
internal static class NameConventions
{
    /// <summary>
    /// Converts a .NET name to lower snake_case the way <c>System.Text.Json</c>'s <c>JsonNamingPolicy.SnakeCaseLower</c>
    /// does: <c>userId</c> -&gt; <c>user_id</c>, <c>HTMLParser</c> -&gt; <c>html_parser</c>, <c>SignupTasks</c> -&gt; <c>signup_tasks</c>.
    /// </summary>
    public static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        var state = SeparatorState.NotStarted;
        for (var i = 0; i < name.Length; i++)
        {
            var current = name[i];
            switch (CharUnicodeInfo.GetUnicodeCategory(current))
            {
                case UnicodeCategory.UppercaseLetter:
                    switch (state)
                    {
                        case SeparatorState.NotStarted:
                            break;
                        case SeparatorState.LowercaseLetterOrDigit:
                        case SeparatorState.SpaceSeparator:
                            builder.Append('_');
                            break;
                        case SeparatorState.UppercaseLetter:
                            if (i + 1 < name.Length && char.IsLower(name[i + 1]))
                            {
                                builder.Append('_');
                            }

                            break;
                    }

                    builder.Append(char.ToLowerInvariant(current));
                    state = SeparatorState.UppercaseLetter;
                    break;

                case UnicodeCategory.LowercaseLetter:
                case UnicodeCategory.DecimalDigitNumber:
                    if (state == SeparatorState.SpaceSeparator)
                    {
                        builder.Append('_');
                    }

                    builder.Append(current);
                    state = SeparatorState.LowercaseLetterOrDigit;
                    break;

                case UnicodeCategory.SpaceSeparator:
                    if (state != SeparatorState.NotStarted)
                    {
                        state = SeparatorState.SpaceSeparator;
                    }

                    break;

                default:
                    builder.Append(current);
                    state = SeparatorState.NotStarted;
                    break;
            }
        }

        return builder.ToString();
    }

    /// <summary>The default task name: every namespace, type and method segment in snake_case, joined by dots.</summary>
    public static string DefaultTaskName(string @namespace, IEnumerable<string> typeNames, string methodName)
    {
        var segments = new List<string>();
        if (@namespace.Length > 0)
        {
            foreach (var segment in @namespace.Split('.'))
            {
                segments.Add(ToSnakeCase(segment));
            }
        }

        foreach (var typeName in typeNames)
        {
            segments.Add(ToSnakeCase(typeName));
        }

        segments.Add(ToSnakeCase(methodName));
        return string.Join(".", segments);
    }

    /// <summary>
    /// The assembly name as an identifier: characters that are not letters or digits split it into segments, each
    /// segment gets an upper-case first letter, and the segments are joined (<c>Signup.Tasks</c> -&gt; <c>SignupTasks</c>,
    /// <c>my-app.worker</c> -&gt; <c>MyAppWorker</c>).
    /// </summary>
    public static string SanitizeAssemblyName(string? assemblyName)
    {
        var builder = new StringBuilder();
        var startOfSegment = true;
        foreach (var c in assemblyName ?? string.Empty)
        {
            if (!char.IsLetterOrDigit(c))
            {
                startOfSegment = true;
                continue;
            }

            builder.Append(startOfSegment ? char.ToUpperInvariant(c) : c);
            startOfSegment = false;
        }

        if (builder.Length == 0)
        {
            return "Assembly";
        }

        if (char.IsDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    /// <summary>The registration method: <c>Add{Sanitized}Tasks</c>, with a trailing <c>Tasks</c> of the sanitized name dropped first.</summary>
    public static string RegistrationMethodName(string sanitizedAssemblyName)
    {
        const string Suffix = "Tasks";
        var stem = sanitizedAssemblyName.EndsWith(Suffix, System.StringComparison.Ordinal)
            ? sanitizedAssemblyName.Substring(0, sanitizedAssemblyName.Length - Suffix.Length)
            : sanitizedAssemblyName;
        return "Add" + stem + Suffix;
    }

    /// <summary>The class holding the registration method.</summary>
    public static string RegistrationClassName(string sanitizedAssemblyName) => sanitizedAssemblyName + "TaskFlowBuilderExtensions";

    /// <summary>Escapes a name that is a C# keyword with <c>@</c>.</summary>
    public static string ToIdentifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>Returns <paramref name="preferred"/>, prefixed with underscores until it is not one of <paramref name="taken"/>.</summary>
    public static string Unique(string preferred, ICollection<string> taken)
    {
        var name = preferred;
        while (taken.Contains(name))
        {
            name = "_" + name;
        }

        return name;
    }

    private enum SeparatorState
    {
        NotStarted,
        UppercaseLetter,
        LowercaseLetterOrDigit,
        SpaceSeparator,
    }
}
