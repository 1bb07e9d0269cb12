using System;
using System.Collections.Generic;

namespace TaskFlow.Core;

/// <summary>The checks every options validator of TaskFlow shares, so that one rule reads the same everywhere.</summary>
internal static class OptionChecks
{
    public static void Name(List<string> errors, string option, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{option} must not be empty.");
        }
        else if (value.Length > TaskFlowDefaults.MaxNameLength)
        {
            errors.Add($"{option} is longer than {TaskFlowDefaults.MaxNameLength} characters; RabbitMQ names are limited to 255 bytes including suffixes.");
        }
    }

    public static void Range(List<string> errors, string option, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{option} must be between {min} and {max} (got {value}).");
        }
    }

    public static void Positive(List<string> errors, string option, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{option} must be positive (got {value}).");
        }
    }

    public static void NotNegative(List<string> errors, string option, TimeSpan value, string? hint = null)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{option} must not be negative (got {value}){(hint is null ? "." : "; " + hint)}");
        }
    }
}
