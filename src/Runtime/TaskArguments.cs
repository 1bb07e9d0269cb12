using System;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace TaskFlow;

/// <summary>
/// The arguments of one received task message (Celery body <c>[args, kwargs, embed]</c>), bound to the
/// task's parameters by position first, then by keyword (declared name or snake_case wire name).
/// Generated invokers call <see cref="Get{T}"/> and <see cref="GetOrDefault{T}"/>.
/// </summary>
public sealed class TaskArguments
{
    private readonly TaskDescriptor _task;
    private readonly JsonElement _args;
    private readonly JsonElement _kwargs;
    private readonly JsonSerializerOptions _options;

    internal TaskArguments(TaskDescriptor task, JsonElement args, JsonElement kwargs, JsonSerializerOptions options)
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
            throw new TaskArgumentException(_task.Name, $"argument '{Describe(position)}' could not be read as {_task.Arguments[position].TypeName}: {ex.Message}", ex);
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

/// <summary>A message's arguments do not fit the task's signature. The message is dead-lettered, never retried.</summary>
public sealed class TaskArgumentException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TaskArgumentException(string taskName, string problem, Exception? innerException = null)
        : base($"Task '{taskName}': {problem}.", innerException)
    {
        TaskName = taskName;
    }

    /// <summary>The task whose arguments did not fit.</summary>
    public string TaskName { get; }
}

/// <summary>The positional arguments of one enqueue, written by generated code without reflection.</summary>
public interface ITaskArguments
{
    /// <summary>Writes each positional argument as one JSON array element (the enclosing array is written by the caller).</summary>
    void WriteTo(Utf8JsonWriter writer, JsonSerializerOptions options);
}

/// <summary>Helpers used by generated <see cref="ITaskArguments"/> implementations.</summary>
public static class TaskArgumentWriter
{
    /// <summary>Writes one argument with the configured serializer metadata.</summary>
    public static void Write<T>(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(options);
        JsonSerializer.Serialize(writer, value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
    }
}
