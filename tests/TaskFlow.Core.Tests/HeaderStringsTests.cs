using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Shouldly;
using TaskFlow.Protocol;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>
/// Decoding a delivery's headers without a new string where one already exists: the task name from a bounded cache of
/// names seen before, the root id as the id itself when they are equal. The values must be exactly what decoding the
/// bytes gives.
/// </summary>
public sealed class HeaderStringsTests
{
    private static Dictionary<string, object?> Transport(string id, string task, object? rootId = null)
    {
        // As RabbitMQ.Client hands them over: strings as UTF-8 bytes.
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [MessageHeaders.Id] = Encoding.UTF8.GetBytes(id),
            [MessageHeaders.Task] = Encoding.UTF8.GetBytes(task),
            [MessageHeaders.Retries] = 0,
        };
        if (rootId is not null)
        {
            headers[MessageHeaders.RootId] = rootId is string text ? Encoding.UTF8.GetBytes(text) : rootId;
        }

        return headers;
    }

    [Fact]
    public void The_same_task_name_decodes_to_one_string_and_each_name_to_its_own()
    {
        var first = TaskHeaders.TryDecode(Transport("a-1", "shop.send_receipt"))!;
        var second = TaskHeaders.TryDecode(Transport("a-2", "shop.send_receipt"))!;
        var other = TaskHeaders.TryDecode(Transport("a-3", "shop.refund"))!;

        first.TaskName.ShouldBe("shop.send_receipt");
        ReferenceEquals(first.TaskName, second.TaskName).ShouldBeTrue();
        other.TaskName.ShouldBe("shop.refund");
        first.Id.ShouldBe("a-1");
        second.Id.ShouldBe("a-2");
    }

    [Theory]
    [InlineData("tâche.envoyer_reçu")]
    [InlineData("задача.отправить")]
    [InlineData("emoji.🚀")]
    public void Non_ascii_names_decode_as_utf8(string name)
    {
        TaskHeaders.TryDecode(Transport("n-1", name))!.TaskName.ShouldBe(name);
        TaskHeaders.TryDecode(Transport("n-2", name))!.TaskName.ShouldBe(name);
    }

    [Fact]
    public void Invalid_utf8_and_long_names_decode_as_the_plain_decoder_does()
    {
        var known = new KnownStrings(100);
        byte[] invalid = [0x61, 0xC3, 0x28, 0x62, 0xFF];
        known.Get(invalid).ShouldBe(Encoding.UTF8.GetString(invalid));
        known.Get(invalid).ShouldBe(Encoding.UTF8.GetString(invalid)); // and again, from the cache

        var longName = "long." + new string('x', KnownStrings.MaxLength);
        var bytes = Encoding.UTF8.GetBytes(longName);
        var a = known.Get(bytes);
        var b = known.Get(bytes);
        a.ShouldBe(longName);
        b.ShouldBe(longName);
        ReferenceEquals(a, b).ShouldBeFalse(); // not kept: a long value could be anything

        var atLimit = new string('y', KnownStrings.MaxLength);
        ReferenceEquals(known.Get(Encoding.UTF8.GetBytes(atLimit)), known.Get(Encoding.UTF8.GetBytes(atLimit))).ShouldBeTrue();
        known.Get(Encoding.UTF8.GetBytes(atLimit)).ShouldBe(atLimit);
        known.Get([]).ShouldBe(string.Empty);
        known.Count.ShouldBe(3); // the invalid one, the one at the limit, the empty one
    }

    [Fact]
    public void A_flood_of_distinct_names_is_not_kept_past_the_bound_and_still_decodes()
    {
        var known = new KnownStrings(1000);
        var names = Enumerable.Range(0, 1500).Select(i => $"flood.{i}").ToList();
        System.Threading.Tasks.Parallel.ForEach(names, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 4 }, name =>
        {
            known.Get(Encoding.UTF8.GetBytes(name)).ShouldBe(name);
        });

        known.Count.ShouldBe(1000);
        var kept = names.Count(name => ReferenceEquals(known.Get(Encoding.UTF8.GetBytes(name)), known.Get(Encoding.UTF8.GetBytes(name))));
        kept.ShouldBe(1000); // the first thousand to arrive are kept, the others decoded each time
        foreach (var name in names)
        {
            known.Get(Encoding.UTF8.GetBytes(name)).ShouldBe(name);
        }

        known.Count.ShouldBe(1000);
    }

    [Fact]
    public void A_root_id_equal_to_the_id_is_the_id_string_and_a_different_one_its_own_value()
    {
        var own = TaskHeaders.TryDecode(Transport("9f1c-7a", "t.x", rootId: "9f1c-7a"))!;
        own.RootId.ShouldBe("9f1c-7a");
        ReferenceEquals(own.RootId, own.Id).ShouldBeTrue();

        var child = TaskHeaders.TryDecode(Transport("9f1c-7b", "t.x", rootId: "9f1c-7a"))!;
        child.RootId.ShouldBe("9f1c-7a");

        var prefix = TaskHeaders.TryDecode(Transport("9f1c-7a", "t.x", rootId: "9f1c-7"))!;
        prefix.RootId.ShouldBe("9f1c-7");

        var unicode = TaskHeaders.TryDecode(Transport("é-1", "t.x", rootId: "é-1"))!;
        unicode.RootId.ShouldBe("é-1");

        var asText = TaskHeaders.TryDecode(Transport("id-5", "t.x", rootId: 42))!;
        asText.RootId.ShouldBeNull(); // not a string header: as before

        TaskHeaders.TryDecode(Transport("id-6", "t.x"))!.RootId.ShouldBeNull();
    }

    [Fact]
    public void Ascii_comparison_is_exact()
    {
        HeaderValues.IsAsciiOf("abc"u8, "abc").ShouldBeTrue();
        HeaderValues.IsAsciiOf("abd"u8, "abc").ShouldBeFalse();
        HeaderValues.IsAsciiOf("ab"u8, "abc").ShouldBeFalse();
        HeaderValues.IsAsciiOf([0xC3, 0xA9], "é").ShouldBeFalse(); // lengths differ: decoded instead
        HeaderValues.IsAsciiOf([0xE9], "é").ShouldBeFalse(); // not ASCII, even where a Latin-1 char would match
        HeaderValues.IsAsciiOf([], string.Empty).ShouldBeTrue();
    }
}
