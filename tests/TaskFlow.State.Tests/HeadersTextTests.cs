using System.Collections.Generic;
using System.Linq;
using System.Text;
using Shouldly;
using TaskFlow.Core;
using TaskFlow.Protocol;
using TaskFlow.State.Internal;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// The headers the store keeps for the task detail, written from a received message's own values (UTF-8 bytes as the
/// transport hands them over, read through <see cref="DecodedHeaders"/>): the same text as from decoded strings, with
/// invalid UTF-8, NUL characters, long values, lists and <c>[Sensitive]</c> arguments handled. No broker or database.
/// </summary>
public sealed class HeadersTextTests
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Received_bytes_give_the_same_text_as_decoded_strings_sorted_by_name()
    {
        var raw = new Dictionary<string, object?>
        {
            ["task"] = Utf8("notes.add"),
            ["id"] = Utf8("5b1c"),
            ["retries"] = 2,
            ["ignore_result"] = false,
            ["timelimit"] = new List<object?> { null, 30 },
            ["stamps"] = new List<object?> { Utf8("a"), Utf8("é") },
            ["lang"] = Utf8("py"),
            ["x-unicode"] = Utf8("naïve ✓"),
            ["x-none"] = null,
        };

        var fromBytes = HeadersText.Write(new DecodedHeaders(raw), sensitive: null);
        var fromStrings = HeadersText.Write(raw.ToDictionary(p => p.Key, p => HeaderValues.Decode(p.Value)), sensitive: null);

        fromBytes.ShouldNotBeNull();
        fromBytes.ShouldBe(fromStrings);
        var read = HeadersText.Read(fromBytes);
        read.Keys.ShouldBe(raw.Keys.OrderBy(k => k, System.StringComparer.Ordinal));
        read["task"].ShouldBe("notes.add");
        read["retries"].ShouldBe("2");
        read["ignore_result"].ShouldBe("false");
        read["timelimit"].ShouldBe("[null,30]");
        read["stamps"].ShouldBe("[\"a\",\"\\u00E9\"]"); // a list is its JSON text (non-ASCII escaped, as before)
        read["x-unicode"].ShouldBe("naïve ✓");
        read["x-none"].ShouldBeNull();
    }

    [Fact]
    public void Invalid_utf8_nul_and_long_values_are_decoded_replaced_and_cut()
    {
        var raw = new Dictionary<string, object?>
        {
            ["bad"] = new byte[] { 0x61, 0xff, 0x62 },
            ["nul"] = new byte[] { 0x61, 0x00, 0x62 },
            ["long"] = Utf8(new string('x', HeadersText.MaxValueLength + 20)),
            ["wide"] = Utf8(new string('é', HeadersText.MaxValueLength)), // 500 characters, 1,000 bytes: kept whole
        };

        var read = HeadersText.Read(HeadersText.Write(new DecodedHeaders(raw), sensitive: null));

        read["bad"].ShouldBe("a\uFFFDb");
        read["nul"].ShouldBe("a\uFFFDb");
        read["long"]!.Length.ShouldBe(HeadersText.MaxValueLength);
        read["long"].ShouldEndWith("...");
        read["wide"].ShouldBe(new string('é', HeadersText.MaxValueLength));
    }

    [Fact]
    public void Sensitive_arguments_are_redacted_in_received_argument_headers()
    {
        var raw = new Dictionary<string, object?>
        {
            [MessageHeaders.ArgsRepr] = Utf8("""[1,"s3cret",3]"""),
            [MessageHeaders.KwargsRepr] = Utf8("""{"p":"s3cret","q":1}"""),
            ["other"] = Utf8("s3cret elsewhere is not an argument"),
        };

        var text = HeadersText.Write(new DecodedHeaders(raw), sensitive: "1:p")!;
        var read = HeadersText.Read(text);

        read[MessageHeaders.ArgsRepr].ShouldBe("""[1,"***",3]""");
        read[MessageHeaders.KwargsRepr].ShouldNotBeNull();
        read[MessageHeaders.KwargsRepr]!.ShouldNotContain("s3cret");
        read["other"].ShouldBe("s3cret elsewhere is not an argument");

        // Not redactable (a Python repr, say): hidden whole rather than shown.
        var repr = new Dictionary<string, object?> { [MessageHeaders.ArgsRepr] = Utf8("(1, 's3cret')") };
        HeadersText.Read(HeadersText.Write(new DecodedHeaders(repr), sensitive: "1:p"))[MessageHeaders.ArgsRepr].ShouldBe("***");
    }

    [Fact]
    public void Many_headers_are_bounded_and_the_left_out_ones_counted_and_nothing_is_kept_between_calls()
    {
        var raw = new Dictionary<string, object?>();
        for (var i = 0; i < 100; i++)
        {
            raw["h" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)] = Utf8(new string('v', 100));
        }

        var bounded = HeadersText.Write(new DecodedHeaders(raw), sensitive: null)!;
        bounded.Length.ShouldBeLessThanOrEqualTo(HeadersText.MaxLength);
        var read = HeadersText.Read(bounded);
        int.Parse(read[HeadersText.CutKey]!, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(100 - (read.Count - 1));

        // The per-thread scratch is reused: a later small call shows only its own headers.
        var small = HeadersText.Read(HeadersText.Write(new DecodedHeaders(new Dictionary<string, object?> { ["a"] = Utf8("1") }), sensitive: null));
        small.Count.ShouldBe(1);
        small["a"].ShouldBe("1");
        HeadersText.Write(new DecodedHeaders(new Dictionary<string, object?>()), sensitive: null).ShouldBeNull();
    }
}
