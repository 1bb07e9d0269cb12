using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace TaskFlow.State.Internal;

/// <summary>
/// PostgreSQL's notifications of final states (docs/state.md#waiting-for-a-result): the channel of a schema, the
/// statements that send and listen, and the payload (a JSON array of task ids, split under PostgreSQL's 8,000-byte
/// limit). The state writer's batch upsert sends them itself (<see cref="PostgreSqlDialect"/>); the other writes of a
/// final state (a task's own transaction, revokes) send <see cref="Notify"/> after theirs. <see cref="StateWaits"/> listens.
/// </summary>
internal sealed class FinalStateNotifications
{
    /// <summary>The longest payload this store sends, in bytes (PostgreSQL refuses 8,000 and more).</summary>
    public const int MaxPayloadBytes = 7500;

    /// <summary>The batch upsert groups ids by this many bytes of their JSON (each at most 1,532): every group stays under <see cref="MaxPayloadBytes"/>.</summary>
    public const int GroupBytes = 5900;

    public FinalStateNotifications(string schema)
    {
        // One channel per schema; a channel name is an identifier (at most 63 bytes; the schema's is too).
        Channel = (schema.Length > 57 ? schema[..57] : schema) + ".final";
        Listen = $"LISTEN \"{Channel}\"";
        Notify = "SELECT pg_notify(@Channel, @Payload)";
    }

    /// <summary>The channel: <c>{schema}.final</c>.</summary>
    public string Channel { get; }

    /// <summary>Subscribes the connection to <see cref="Channel"/>.</summary>
    public string Listen { get; }

    /// <summary>Sends one payload (<c>@Channel</c>, <c>@Payload</c>).</summary>
    public string Notify { get; }

    /// <summary>The payloads for <paramref name="taskIds"/>: JSON arrays of at most <see cref="MaxPayloadBytes"/> bytes each.</summary>
    public static List<string> Payloads(IEnumerable<string> taskIds)
    {
        var payloads = new List<string>();
        var builder = new StringBuilder();
        var bytes = 0;
        foreach (var id in taskIds)
        {
            var json = JsonSerializer.Serialize(id);
            var size = Encoding.UTF8.GetByteCount(json) + 1;
            if (builder.Length > 0 && bytes + size + 1 > MaxPayloadBytes)
            {
                payloads.Add(builder.Append(']').ToString());
                builder.Clear();
                bytes = 0;
            }

            builder.Append(builder.Length == 0 ? '[' : ',').Append(json);
            bytes += size;
        }

        if (builder.Length > 0)
        {
            payloads.Add(builder.Append(']').ToString());
        }

        return payloads;
    }

    /// <summary>The task ids of one payload; none when it is not this store's (a notification someone else sent on the channel).</summary>
    public static string[] Parse(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<string[]>(payload) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
