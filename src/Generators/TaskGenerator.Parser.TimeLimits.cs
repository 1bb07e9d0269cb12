using System;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        /// <summary>A positive number of seconds as a <c>TimeSpan</c> expression; 0 (none) as <c>null</c>.</summary>
        private static string? SecondsExpression(double seconds) =>
            seconds > 0 && !double.IsInfinity(seconds) && !double.IsNaN(seconds)
                ? "global::System.TimeSpan.FromSeconds(" + FormatLiteral(seconds) + ")"
                : null;

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
