using System;
using TaskFlow.Core;
using TaskFlow.Infrastructure;
using TaskFlow.Protocol;

namespace TaskFlow.State.Internal;

/// <summary>
/// The display text of a task's arguments that the store keeps to search (<c>task_state.arguments</c>, schema version
/// 11; <see cref="TaskQuery.ArgumentsContains"/>): the message's <c>argsrepr</c> header, followed by its
/// <c>kwargsrepr</c> when that is not <c>{}</c>, with <c>[Sensitive]</c> arguments as <c>***</c>, at most
/// <see cref="MaxLength"/> characters. Read from headers only: the body is never decoded for it.
/// </summary>
internal static class ArgumentsText
{
    /// <summary>The most characters kept (the column is <c>varchar(1000)</c> / <c>nvarchar(1000)</c>).</summary>
    public const int MaxLength = 1000;

    private const string Cut = "...";

    /// <summary>
    /// Of a message TaskFlow is about to send: its <c>argsrepr</c> was written by <see cref="TaskEnvelope"/> with the
    /// task's sensitive arguments already as <c>***</c>.
    /// </summary>
    public static string? Of(TaskEnvelope envelope) =>
        Compose(
            envelope.Headers.TryGetValue(MessageHeaders.ArgsRepr, out var args) ? args as string : null,
            envelope.Headers.TryGetValue(MessageHeaders.KwargsRepr, out var kwargs) ? kwargs as string : null);

    /// <summary>
    /// Of a received message. The sensitive arguments are the ones its <c>x-taskflow-sensitive</c> header names, else
    /// those the task declares here (<paramref name="task"/>: a message from a Celery client carries no such header and
    /// an argsrepr in the clear). With sensitive arguments the text is redacted again; when that is not possible (not a
    /// JSON list or object, e.g. Celery's Python repr or a cut argsrepr) nothing is kept (<c>null</c>), never the clear text.
    /// </summary>
    public static string? Of(TaskHeaders headers, TaskDescriptor? task)
    {
        var raw = headers.Raw;
        if (!raw.TryGetValue(MessageHeaders.ArgsRepr, out var argsValue) || argsValue is not string args)
        {
            return null;
        }

        var kwargs = raw.TryGetValue(MessageHeaders.KwargsRepr, out var kwargsValue) ? kwargsValue as string : null;
        var sensitive = raw.TryGetValue(MessageHeaders.Sensitive, out var header) && header is string { Length: > 0 } h ? h : task?.SensitiveHeader;
        if (sensitive is not null)
        {
            if (SensitiveArguments.TryRedactArguments(args, sensitive) is not { } redacted)
            {
                return null;
            }

            args = redacted;

            if (kwargs is not null && !IsEmptyObject(kwargs))
            {
                kwargs = SensitiveArguments.TryRedactKeywordArguments(kwargs, sensitive);
                if (kwargs is null)
                {
                    return null;
                }
            }
        }

        return Compose(args, kwargs);
    }

    /// <summary>Of a received message, looking its task up in <paramref name="tasks"/> (when this process knows it).</summary>
    public static string? Of(TaskHeaders headers, TaskRegistry? tasks) =>
        Of(headers, tasks is not null && tasks.TryGet(headers.TaskName, out var task) ? task : null);

    /// <summary><paramref name="args"/> then <paramref name="kwargs"/> (unless empty), bounded, without NUL characters.</summary>
    internal static string? Compose(string? args, string? kwargs)
    {
        if (args is null)
        {
            return null;
        }

        var text = kwargs is null || IsEmptyObject(kwargs) ? args : args + " " + kwargs;
        if (text.Length > MaxLength)
        {
            var length = MaxLength - Cut.Length;
            if (char.IsHighSurrogate(text[length - 1]))
            {
                length--; // never half a character: the database refuses a lone surrogate
            }

            text = string.Concat(text.AsSpan(0, length), Cut);
        }

        // PostgreSQL text cannot hold NUL; a header is free text.
        return text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;
    }

    private static bool IsEmptyObject(string text) => text.AsSpan().Trim() is "{}" or "";
}
