using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        /// <summary>A time limit in seconds as the spec carries it: a positive, finite number, or <c>null</c> for none (0).</summary>
        private static double? TimeLimit(double seconds) =>
            seconds > 0 && !double.IsInfinity(seconds) && !double.IsNaN(seconds) ? seconds : null;

        /// <summary>TF0008: the soft time limit is longer than the hard one (each valid on its own).</summary>
        private static void CheckSoftWithinHard(
            double soft,
            double hard,
            AttributeData attribute,
            string methodDisplay,
            LocationInfo? methodLocation,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            if (soft > 0 && hard > 0 && soft > hard && DescribeInvalidSeconds(soft) is null && DescribeInvalidSeconds(hard) is null)
            {
                var location = FindNamedArgument(attribute, "SoftTimeLimitSeconds", cancellationToken) ?? methodLocation;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTaskAttributeValue, location, "SoftTimeLimitSeconds", soft.ToString("R", CultureInfo.InvariantCulture), methodDisplay, "the soft time limit must not be longer than the hard time limit"));
            }
        }

        /// <summary>Why a number of seconds in <c>[Task]</c> or <c>[Retry]</c> cannot be a <c>TimeSpan</c> (TF0008, TF0013), or <c>null</c>.</summary>
        private static string? DescribeInvalidSeconds(double seconds)
        {
            if (double.IsNaN(seconds) || double.IsInfinity(seconds))
            {
                return "it must be a finite number of seconds";
            }

            if (seconds < 0)
            {
                return "it must not be negative (0 means none)";
            }

            // TimeSpan.FromSeconds throws above this.
            if (seconds > TimeSpan.MaxValue.TotalSeconds)
            {
                return "it is longer than TimeSpan.MaxValue";
            }

            return null;
        }
    }
}
