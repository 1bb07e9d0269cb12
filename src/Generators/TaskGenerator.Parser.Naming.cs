using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using TaskFlow.Generators.Model;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        /// <summary>TF0008: why <c>[Task(Name)]</c> or <c>[Task(Queue)]</c> cannot be a task or queue name, or <c>null</c>.</summary>
        private static string? DescribeInvalidName(string value, bool isQueue)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return "it is empty or whitespace";
            }

            if (value.Any(static c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                return "it contains whitespace or control characters";
            }

            if (isQueue && Encoding.UTF8.GetByteCount(value) > 255)
            {
                return "queue names are at most 255 UTF-8 bytes";
            }

            if (isQueue && value.StartsWith("amq.", StringComparison.Ordinal))
            {
                return "queue names starting with 'amq.' are reserved by the broker";
            }

            return null;
        }

        /// <summary>TF0006: reports every task whose wire name another task of the compilation also uses.</summary>
        public static EquatableArray<DiagnosticInfo> FindDuplicateNames(ImmutableArray<TaskNameClaim> claims)
        {
            var diagnostics = new List<DiagnosticInfo>();
            foreach (var group in claims.GroupBy(static claim => claim.TaskName, StringComparer.Ordinal).OrderBy(static group => group.Key, StringComparer.Ordinal))
            {
                var members = group.OrderBy(static claim => claim.MethodDisplay, StringComparer.Ordinal).ToList();
                if (members.Count < 2)
                {
                    continue;
                }

                foreach (var claim in members)
                {
                    var other = members.First(candidate => !ReferenceEquals(candidate, claim));
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateTaskName, claim.Location, claim.TaskName, claim.MethodDisplay, other.MethodDisplay));
                }
            }

            return diagnostics.ToEquatableArray();
        }

        /// <summary>Finds the duplicated wire names and the hint names that collide ignoring case.</summary>
        public static GenerationFacts CreateGenerationFacts(ImmutableArray<TaskNameClaim> claims)
        {
            var duplicates = claims
                .GroupBy(static claim => claim.TaskName, StringComparer.Ordinal)
                .Where(static group => group.Count() > 1)
                .Select(static group => group.Key)
                .OrderBy(static name => name, StringComparer.Ordinal);
            var colliding = claims
                .SelectMany(static claim => new[] { claim.TaskHintName, claim.ContainerHintName })
                .Distinct(StringComparer.Ordinal)
                .GroupBy(static name => name, StringComparer.OrdinalIgnoreCase)
                .Where(static group => group.Count() > 1)
                .SelectMany(static group => group)
                .OrderBy(static name => name, StringComparer.Ordinal);
            return new GenerationFacts(duplicates.ToEquatableArray(), colliding.ToEquatableArray());
        }
    }
}
