namespace TaskFlow.Generators;

/// <summary>What makes an entity key template malformed (TF0015).</summary>
internal enum EntityKeyTemplateErrorKind
{
    /// <summary>The template is empty or whitespace.</summary>
    Empty,

    /// <summary>A <c>{</c> that no <c>}</c> closes before the next <c>{</c> or the end.</summary>
    UnclosedBrace,

    /// <summary>A <c>}</c> that closes no hole and is not doubled.</summary>
    UnopenedBrace,

    /// <summary>A hole with no name: <c>{}</c>.</summary>
    EmptyHole,

    /// <summary>A hole that holds something other than a parameter name: a format, an expression, spaces.</summary>
    InvalidHoleName,

    /// <summary>The fixed text alone is longer than <see cref="EntityKeyTemplate.MaxFixedLength"/>.</summary>
    FixedTextTooLong,
}
