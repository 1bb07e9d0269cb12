using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using Shouldly;
using TaskFlow.Infrastructure;
using TaskFlow.Protocol;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>The envelope codec: what is written decodes to the same values, once, and bad input gets a reason.</summary>
public sealed class CodecTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static readonly TaskDescriptor Add = new("core.add", "core", "Add(int, int)",
        [new TaskArgumentDescriptor("a", "a", "int", false), new TaskArgumentDescriptor("b", "b", "int", false), new TaskArgumentDescriptor("note", "note", "string?", true)],
        _ => new System.Threading.Tasks.ValueTask<object?>((object?)null));

    private readonly struct Two(int a, int b) : ITaskArgumentWriter
    {
        public void WriteTo(Utf8JsonWriter writer, JsonSerializerOptions options)
        {
            ArgumentJson.Write(writer, a, options);
            ArgumentJson.Write(writer, b, options);
        }
    }

    /// <summary>Headers as RabbitMQ.Client hands them over: strings as UTF-8 bytes.</summary>
    private static Dictionary<string, object?> AsAmqp(IDictionary<string, object?> headers)
    {
        var wire = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in headers)
        {
            wire[key] = value is string text ? Encoding.UTF8.GetBytes(text) : value;
        }

        return wire;
    }

    [Fact]
    public void A_pooled_body_is_the_exact_body_until_it_is_given_back_then_empty()
    {
        var flow = new TaskFlowOptions();
        var options = new SendOptions { TaskId = "id-8" };
        var exact = TaskEnvelope.Create(Add, new Two(40, 2), options, flow, Now, "o");
        var pooled = TaskEnvelope.Create(Add, new Two(40, 2), options, flow, Now, "o", pooledBody: true);

        pooled.Body.ToArray().ShouldBe(exact.Body.ToArray());
        var kept = pooled.Keep();
        exact.Keep().ShouldBeSameAs(exact, "an exact body needs no copy");
        pooled.ReturnBody();
        kept.Body.ToArray().ShouldBe(exact.Body.ToArray(), "a kept envelope has its own body");
        (kept.Id, kept.Headers).ShouldBe((pooled.Id, pooled.Headers));
        pooled.Body.IsEmpty.ShouldBeTrue("a late reader sees no message, not the next one's bytes");
        pooled.ReturnBody(); // at most once: a second call gives nothing back twice
        exact.ReturnBody();
        Encoding.UTF8.GetString(exact.Body.Span).ShouldStartWith("[[40,2],{}", Case.Sensitive, "an exact body is not the pool's: it stays");
    }

    [Fact]
    public void An_envelope_decodes_to_the_values_it_was_built_from()
    {
        var options = new SendOptions { TaskId = "id-7", Countdown = TimeSpan.FromSeconds(5), ExpiresIn = TimeSpan.FromMinutes(2), TimeLimit = TimeSpan.FromSeconds(30), SoftTimeLimit = TimeSpan.FromSeconds(20), ParentId = "p", RootId = "r", EntityKey = "e:1", IgnoreResult = true };
        var envelope = TaskEnvelope.Create(Add, new Two(2, 3), options, new TaskFlowOptions(), Now, "test-origin");

        using var task = IncomingTask.TryDecode(AsAmqp(envelope.Headers), "application/json", "utf-8", envelope.Body, out var reason, out var detail);

        task.ShouldNotBeNull($"{reason}: {detail}");
        var h = task.Headers;
        (h.Id, h.TaskName, h.Retries, h.RootId, h.ParentId).ShouldBe(("id-7", "core.add", 0, "r", "p"));
        h.Eta.ShouldBe(Now.AddSeconds(5));
        h.Expires.ShouldBe(Now.AddMinutes(2));
        h.SoftTimeLimit.ShouldBe(TimeSpan.FromSeconds(20));
        h.TimeLimit.ShouldBe(TimeSpan.FromSeconds(30));
        h.EntityKey.ShouldBe("e:1");
        h.IgnoreResult.ShouldBeTrue();
        h.Raw[MessageHeaders.Origin].ShouldBe("test-origin", "the task's view of the headers decodes UTF-8 bytes");
        task.Args.GetRawText().ShouldBe("[2,3]");
        task.Kwargs.GetRawText().ShouldBe("{}");
    }

    [Fact]
    public void A_plain_send_carries_only_the_headers_whose_absence_would_change_its_meaning_and_decodes_to_the_defaults()
    {
        var envelope = TaskEnvelope.Create(Add, new Two(2, 3), options: null, new TaskFlowOptions(), Now, "test-origin");

        // Celery's optional headers at their default (retries 0, no time limit, results kept, no keyword arguments,
        // no eta, expiry, parent or group) are left out: each costs the broker CPU on every publish.
        envelope.Headers.Keys.ShouldBe(
            [MessageHeaders.Lang, MessageHeaders.Task, MessageHeaders.Id, MessageHeaders.RootId, MessageHeaders.ArgsRepr, MessageHeaders.Origin],
            ignoreOrder: true);
        envelope.Headers[MessageHeaders.RootId].ShouldBe(envelope.Id, "Celery's protocol lists root_id as required; a root task is its own root");

        using var task = IncomingTask.TryDecode(AsAmqp(envelope.Headers), "application/json", "utf-8", envelope.Body, out var reason, out var detail);
        task.ShouldNotBeNull($"{reason}: {detail}");
        var h = task.Headers;
        (h.Retries, h.IgnoreResult, h.TimeLimit, h.SoftTimeLimit, h.Eta, h.Expires, h.ParentId).ShouldBe((0, false, (TimeSpan?)null, (TimeSpan?)null, (DateTimeOffset?)null, (DateTimeOffset?)null, (string?)null));

        // Only a soft limit set: the header carries both places, the hard one null, as Celery writes it.
        var soft = TaskEnvelope.Create(Add, new Two(2, 3), new SendOptions { SoftTimeLimit = TimeSpan.FromSeconds(5) }, new TaskFlowOptions(), Now, "o");
        soft.Headers[MessageHeaders.TimeLimit].ShouldBe(new List<object?> { null, 5.0 });
        soft.Headers.ContainsKey(MessageHeaders.IgnoreResult).ShouldBeFalse();
        var ignored = TaskEnvelope.Create(Add, new Two(2, 3), new SendOptions { IgnoreResult = true }, new TaskFlowOptions(), Now, "o");
        ignored.Headers[MessageHeaders.IgnoreResult].ShouldBe(true);
        ignored.Headers.ContainsKey(MessageHeaders.TimeLimit).ShouldBeFalse();
    }

    [Fact]
    public void The_argument_reader_binds_by_position_then_keyword_and_rejects_what_does_not_fit()
    {
        using var document = JsonDocument.Parse("""[[2], {"b": 40, "note": "hi"}, {}]""");
        var reader = new TaskArgumentReader(Add, document.RootElement[0], document.RootElement[1], new TaskFlowOptions().SerializerOptions);
        reader.Validate();
        reader.Get<int>(0, allowNull: false).ShouldBe(2);
        reader.Get<int>(1, allowNull: false).ShouldBe(40);
        reader.GetOrDefault<string?>(2, null, allowNull: true).ShouldBe("hi");

        using var missing = JsonDocument.Parse("""[[2], {}, {}]""");
        var incomplete = new TaskArgumentReader(Add, missing.RootElement[0], missing.RootElement[1], new TaskFlowOptions().SerializerOptions);
        Should.Throw<TaskArgumentException>(incomplete.Validate).Message.ShouldContain("'b'");

        using var wrong = JsonDocument.Parse("""[["two", 3], {}, {}]""");
        var mistyped = new TaskArgumentReader(Add, wrong.RootElement[0], wrong.RootElement[1], new TaskFlowOptions().SerializerOptions);
        Should.Throw<TaskArgumentException>(() => mistyped.Get<int>(0, allowNull: false)).TaskName.ShouldBe("core.add");
    }

    [Fact]
    public void Retries_and_celery_style_values_are_read_from_the_wire_forms_they_arrive_in()
    {
        var headers = new Dictionary<string, object?>
        {
            [MessageHeaders.Task] = Encoding.UTF8.GetBytes("core.add"),
            [MessageHeaders.Id] = Encoding.UTF8.GetBytes("x"),
            [MessageHeaders.Retries] = 3L,
            [MessageHeaders.TimeLimit] = new List<object?> { 10.5, null },
            [MessageHeaders.Eta] = Encoding.UTF8.GetBytes("2026-12-02T12:00:00+00:00"),
        };

        var decoded = TaskHeaders.TryDecode(headers)!;

        decoded.Retries.ShouldBe(3);
        decoded.TimeLimit.ShouldBe(TimeSpan.FromSeconds(10.5));
        decoded.SoftTimeLimit.ShouldBeNull();
        decoded.Eta.ShouldBe(Now);
    }

    [Theory]
    [InlineData("text/plain", "utf-8", "[[],{},{}]", true, DeadLetterReason.UnsupportedContentType)]
    [InlineData("application/json", "latin-1", "[[],{},{}]", true, DeadLetterReason.UnsupportedContentType)]
    [InlineData("application/json", "utf-8", "[[],{},{}]", false, DeadLetterReason.UnsupportedEnvelope)]
    [InlineData("application/json", "utf-8", "{not json", true, DeadLetterReason.MalformedBody)]
    [InlineData("application/json", "utf-8", "{\"args\": []}", true, DeadLetterReason.MalformedBody)]
    public void Undecodable_messages_get_a_dead_letter_reason_and_a_detail(string contentType, string encoding, string body, bool withHeaders, string expected)
    {
        var headers = withHeaders ? new Dictionary<string, object?> { [MessageHeaders.Task] = "core.add", [MessageHeaders.Id] = "x" } : new Dictionary<string, object?>();

        var task = IncomingTask.TryDecode(headers, contentType, encoding, Encoding.UTF8.GetBytes(body), out var reason, out var detail);

        task.ShouldBeNull();
        reason.ShouldBe(expected);
        detail.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void A_header_the_protocol_sets_cannot_be_overridden()
    {
        var options = new SendOptions { Headers = new Dictionary<string, object?> { [MessageHeaders.Id] = "forged" } };
        Should.Throw<ArgumentException>(() => TaskEnvelope.Create(Add, new Two(1, 2), options, new TaskFlowOptions(), Now, "o")).Message.ShouldContain("'id'");
    }
}
