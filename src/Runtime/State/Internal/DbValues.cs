using System;

namespace TaskFlow.State.Internal;

/// <summary>Conversions of values read back through Dapper, whose provider types vary by database and driver.</summary>
internal static class DbValues
{
    /// <summary>A time column as UTC (<c>timestamptz</c> comes back as <see cref="DateTime"/>, <c>datetimeoffset</c> as <see cref="DateTimeOffset"/>).</summary>
    public static DateTimeOffset? ToTime(object? value) => value switch
    {
        null or DBNull => null,
        DateTimeOffset offset => offset.ToUniversalTime(),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        _ => throw new InvalidCastException($"TaskFlow: unexpected time value of type {value.GetType()}"),
    };
}
