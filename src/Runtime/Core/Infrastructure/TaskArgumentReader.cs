using System;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

using System.ComponentModel;

namespace TaskFlow.Infrastructure;

/// <summary>
/// The arguments of one received task message (Celery body <c>[args, kwargs, embed]</c>), bound to the
/// task's parameters by position first, then by keyword (declared name or snake_case wire name).
/// Generated invokers call <see cref="Get{T}"/> and <see cref="GetOrDefault{T}"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TaskArgumentReader
{
    private readonly TaskDescriptor _task;
    private readonly JsonElement _args;
    private readonly JsonElement _kwargs;
    private readonly JsonSerializerOptions _options;

    internal TaskArgumentReader(TaskDescriptor task, JsonElement args, JsonElement kwargs, JsonSerializerOptions options)
    {
        _task = task;
        _args = args;
        _kwargs = kwargs;
        _options = options;
    }

    /// <summary>Reads a required argument.</summary>
    /// <exception cref="TaskArgumentException">The argument is missing, null where not allowed, or of the wrong type.</exception>
    public T Get<T>(int position, bool allowNull)
    {
        if (!TryFind(position, out var element))
        {
            throw new TaskArgumentException(_task.Name, $"argument '{Describe(position)}' is missing");
        }

        return Read<T>(position, element, allowNull);
    }

    /// <summary>Reads an optional argument, returning <paramref name="defaultValue"/> when it was not sent.</summary>
    public T GetOrDefault<T>(int position, T defaultValue, bool allowNull)
    {
        return TryFind(position, out var element) ? Read<T>(position, element, allowNull) : defaultValue;
    }

    /// <summary>Checks the message against the task's signature: argument count and keyword names.</summary>
    internal void Validate()
    {
        var declared = _task.Arguments.Count;
        var positional = _args.GetArrayLength();
        if (positional > declared)
        {
            throw new TaskArgumentException(_task.Name, $"{positional} positional arguments were sent but the task takes {declared}");
        }

        foreach (var property in _kwargs.EnumerateObject())
        {
            var index = IndexOfKeyword(property.Name);
            if (index < 0)
            {
                throw new TaskArgumentException(_task.Name, $"unknown keyword argument '{property.Name}'");
            }

            if (index < positional)
            {
                throw new TaskArgumentException(_task.Name, $"argument '{Describe(index)}' was sent both by position and by keyword");
            }
        }

        for (var i = positional; i < declared; i++)
        {
            if (!_task.Arguments[i].HasDefault && !TryFindKeyword(i, out _))
            {
                throw new TaskArgumentException(_task.Name, $"argument '{Describe(i)}' is missing");
            }
        }
    }

    private T Read<T>(int position, JsonElement element, bool allowNull)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            if (!allowNull)
            {
                throw new TaskArgumentException(_task.Name, $"argument '{Describe(position)}' is null but the parameter is not nullable");
            }

            return default!;
        }

        try
        {
            var value = element.Deserialize((JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T)));
            if (value is null && !allowNull)
            {
                throw new TaskArgumentException(_task.Name, $"argument '{Describe(position)}' is null but the parameter is not nullable");
            }

            return value!;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            // A sensitive argument's converter may quote the value: its message is not passed on (logs, dead-letter headers).
            throw _task.Arguments[position].Sensitive
                ? new TaskArgumentException(_task.Name, $"argument '{Describe(position)}' could not be read as {_task.Arguments[position].TypeName} (sensitive: the reader's message is not shown)")
                : new TaskArgumentException(_task.Name, $"argument '{Describe(position)}' could not be read as {_task.Arguments[position].TypeName}: {ex.Message}", ex);
        }
    }

    private bool TryFind(int position, out JsonElement element)
    {
        if (position < _args.GetArrayLength())
        {
            element = _args[position];
            return true;
        }

        return TryFindKeyword(position, out element);
    }

    private bool TryFindKeyword(int position, out JsonElement element)
    {
        var argument = _task.Arguments[position];
        return _kwargs.TryGetProperty(argument.Name, out element) || _kwargs.TryGetProperty(argument.WireName, out element);
    }

    private int IndexOfKeyword(string name)
    {
        for (var i = 0; i < _task.Arguments.Count; i++)
        {
            var argument = _task.Arguments[i];
            if (string.Equals(argument.Name, name, StringComparison.Ordinal) || string.Equals(argument.WireName, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private string Describe(int position) =>
        position < _task.Arguments.Count ? _task.Arguments[position].Name : position.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
