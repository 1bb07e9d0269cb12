using System.Linq;
using Shouldly;
using Xunit;

namespace TaskFlow.Generators.Tests;

/// <summary>
/// The entity key template language on its own (<see cref="EntityKeyTemplate"/>): how a template splits into fixed
/// text and holes, how holes bind to parameter names, and the first reason a malformed template is rejected (TF0015).
/// </summary>
public class EntityKeyTemplateTests
{
    [Fact]
    public void A_template_without_holes_is_all_fixed_text()
    {
        var template = EntityKeyTemplate.Parse("settings:global");

        template.IsValid.ShouldBeTrue();
        template.Error.ShouldBeNull();
        template.Segments.ShouldBe(new[] { EntityKeySegment.Literal("settings:global") });
        template.Holes.ShouldBeEmpty();
        template.FixedText.ShouldBe("settings:global");
        template.Text.ShouldBe("settings:global");
    }

    [Fact]
    public void A_hole_names_a_parameter()
    {
        var template = EntityKeyTemplate.Parse("note:{noteId}");

        template.IsValid.ShouldBeTrue();
        template.Segments.ShouldBe(new[] { EntityKeySegment.Literal("note:"), EntityKeySegment.Hole("noteId") });
        template.Holes.ShouldBe(new[] { EntityKeySegment.Hole("noteId") });
        template.FixedText.ShouldBe("note:");
    }

    [Fact]
    public void Text_and_holes_alternate_in_order_and_a_repeated_hole_is_listed_once()
    {
        var template = EntityKeyTemplate.Parse("{tenant}/doc:{documentId}{kind}:{tenant}");

        template.Segments.ShouldBe(new[]
        {
            EntityKeySegment.Hole("tenant"),
            EntityKeySegment.Literal("/doc:"),
            EntityKeySegment.Hole("documentId"),
            EntityKeySegment.Hole("kind"),
            EntityKeySegment.Literal(":"),
            EntityKeySegment.Hole("tenant"),
        });
        template.Holes.ShouldBe(new[] { EntityKeySegment.Hole("tenant"), EntityKeySegment.Hole("documentId"), EntityKeySegment.Hole("kind") });
    }

    [Theory]
    [InlineData("{{literal}}", "{literal}")]
    [InlineData("}}{{", "}{")]
    [InlineData("a{{{{b", "a{{b")]
    [InlineData("settings:{{global}}", "settings:{global}")]
    public void Doubled_braces_are_literal_braces(string text, string expected)
    {
        var template = EntityKeyTemplate.Parse(text);

        template.IsValid.ShouldBeTrue();
        template.Segments.ShouldBe(new[] { EntityKeySegment.Literal(expected) });
        template.FixedText.ShouldBe(expected);
    }

    [Fact]
    public void Escaped_braces_merge_with_the_text_around_them_and_next_to_holes()
    {
        var template = EntityKeyTemplate.Parse("{{x}}:{noteId}:{{{id}}}");

        template.Segments.ShouldBe(new[]
        {
            EntityKeySegment.Literal("{x}:"),
            EntityKeySegment.Hole("noteId"),
            EntityKeySegment.Literal(":{"),
            EntityKeySegment.Hole("id"),
            EntityKeySegment.Literal("}"),
        });
    }

    [Fact]
    public void Quotes_backslashes_and_other_characters_are_plain_text()
    {
        var template = EntityKeyTemplate.Parse("a\tb \"q\" \\ é:{x}");

        template.Segments.ShouldBe(new[] { EntityKeySegment.Literal("a\tb \"q\" \\ é:"), EntityKeySegment.Hole("x") });
    }

    [Fact]
    public void A_verbatim_hole_names_the_parameter_without_its_at_sign()
    {
        var template = EntityKeyTemplate.Parse("user:{@class}/{event}");

        template.Holes.ShouldBe(new[] { EntityKeySegment.Hole("@class"), EntityKeySegment.Hole("event") });
        template.Holes.Select(static hole => hole.ParameterName).ShouldBe(new[] { "class", "event" });
        EntityKeySegment.Literal("@class").ParameterName.ShouldBe("@class", "only a hole drops the '@'");
    }

    [Fact]
    public void Binding_pairs_each_hole_with_the_parameter_of_its_name_and_unknown_holes_with_null()
    {
        var template = EntityKeyTemplate.Parse("n:{noteId}/{note}/{@class}/{NoteId}/{noteId}");

        var bound = template.Bind(new[] { "noteId", "copies", "class" }, static name => name);

        bound.Select(static pair => (pair.Hole.Text, pair.Parameter)).ShouldBe(new (string, string?)[]
        {
            ("noteId", "noteId"),
            ("note", null),
            ("@class", "class"),
            ("NoteId", null),
        });
    }

    [Fact]
    public void Binding_a_template_without_holes_yields_nothing()
    {
        EntityKeyTemplate.Parse("constant").Bind(new[] { "a" }, static name => name).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void An_empty_or_whitespace_template_is_malformed(string text)
    {
        var template = EntityKeyTemplate.Parse(text);

        template.IsValid.ShouldBeFalse();
        template.Error.ShouldBe(new EntityKeyTemplateError(EntityKeyTemplateErrorKind.Empty, -1, "it is empty or whitespace, and an entity key must have text"));
        template.Segments.ShouldBeEmpty();
        template.Holes.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("note:{noteId", nameof(EntityKeyTemplateErrorKind.UnclosedBrace), 5)]
    [InlineData("note:{a{noteId}", nameof(EntityKeyTemplateErrorKind.UnclosedBrace), 5)]
    [InlineData("{", nameof(EntityKeyTemplateErrorKind.UnclosedBrace), 0)]
    [InlineData("{a}{", nameof(EntityKeyTemplateErrorKind.UnclosedBrace), 3)]
    [InlineData("note:noteId}", nameof(EntityKeyTemplateErrorKind.UnopenedBrace), 11)]
    [InlineData("}", nameof(EntityKeyTemplateErrorKind.UnopenedBrace), 0)]
    [InlineData("{a}}", nameof(EntityKeyTemplateErrorKind.UnopenedBrace), 3)]
    [InlineData("}}}", nameof(EntityKeyTemplateErrorKind.UnopenedBrace), 2)]
    public void Unbalanced_braces_are_malformed_at_the_offending_brace(string text, string kind, int index)
    {
        var error = EntityKeyTemplate.Parse(text).Error;

        error.ShouldNotBeNull();
        error.Kind.ToString().ShouldBe(kind);
        error.Index.ShouldBe(index);
    }

    [Theory]
    [InlineData("note:{}", 5)]
    [InlineData("{}", 0)]
    [InlineData("{}{", 0)]
    public void An_empty_hole_is_malformed(string text, int index)
    {
        var error = EntityKeyTemplate.Parse(text).Error;

        error.ShouldNotBeNull();
        error.Kind.ShouldBe(EntityKeyTemplateErrorKind.EmptyHole);
        error.Index.ShouldBe(index);
    }

    [Theory]
    [InlineData("note:{noteId:D}")]
    [InlineData("note:{ noteId }")]
    [InlineData("note:{note.Id}")]
    [InlineData("note:{note id}")]
    [InlineData("note:{1note}")]
    [InlineData("note:{@}")]
    [InlineData("note:{noteId + 1}")]
    [InlineData("note:{@@x}")]
    public void A_hole_holds_a_parameter_name_only(string text)
    {
        var error = EntityKeyTemplate.Parse(text).Error;

        error.ShouldNotBeNull();
        error.Kind.ShouldBe(EntityKeyTemplateErrorKind.InvalidHoleName);
        error.Index.ShouldBe(5);
    }

    [Fact]
    public void The_first_problem_from_the_left_is_reported()
    {
        EntityKeyTemplate.Parse("a}{").Error!.Kind.ShouldBe(EntityKeyTemplateErrorKind.UnopenedBrace);
        EntityKeyTemplate.Parse("{x y}{").Error!.Kind.ShouldBe(EntityKeyTemplateErrorKind.InvalidHoleName);
        EntityKeyTemplate.Parse(new string('x', 300) + "{").Error!.Kind.ShouldBe(EntityKeyTemplateErrorKind.UnclosedBrace, "a brace problem comes before the length");
    }

    [Fact]
    public void The_fixed_text_is_at_most_255_characters_holes_not_counted_and_escapes_counted_once()
    {
        EntityKeyTemplate.MaxFixedLength.ShouldBe(255);
        EntityKeyTemplate.Parse(new string('x', 255)).IsValid.ShouldBeTrue();
        EntityKeyTemplate.Parse(new string('x', 200) + "{aVeryLongParameterNameThatDoesNotCount}" + new string('y', 55)).IsValid.ShouldBeTrue();
        EntityKeyTemplate.Parse(new string('x', 253) + "{{}}").IsValid.ShouldBeTrue();

        var tooLong = EntityKeyTemplate.Parse(new string('x', 100) + "{id}" + new string('y', 156));
        tooLong.Error.ShouldBe(new EntityKeyTemplateError(
            EntityKeyTemplateErrorKind.FixedTextTooLong,
            -1,
            "its fixed text is 256 characters long, and an entity key is at most 255"));
    }

    [Fact]
    public void Error_messages_name_the_index_and_how_to_write_a_literal_brace()
    {
        EntityKeyTemplate.Parse("note:{noteId").Error!.Message.ShouldBe("the '{' at index 5 is not closed by a '}' (write '{{' for a literal brace)");
        EntityKeyTemplate.Parse("note:noteId}").Error!.Message.ShouldBe("the '}' at index 11 closes no placeholder (write '}}' for a literal brace)");
        EntityKeyTemplate.Parse("note:{}").Error!.Message.ShouldBe("the placeholder '{}' at index 5 is empty; name a message argument, e.g. '{noteId}' (or write '{{' and '}}' for literal braces)");
        EntityKeyTemplate.Parse("note:{noteId:D}").Error!.Message.ShouldBe("the placeholder '{noteId:D}' at index 5 is not a parameter name; placeholders hold a parameter name only (no format, expression or spaces)");
    }
}
