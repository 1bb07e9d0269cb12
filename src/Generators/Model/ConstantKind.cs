namespace TaskFlow.Generators.Model;

/// <summary>The type of a <see cref="ConstantSpec"/>, which says how the emitter writes it.</summary>
internal enum ConstantKind
{
    /// <summary><c>null</c>: a reference type or <c>Nullable&lt;T&gt;</c> defaulting to null.</summary>
    Null,

    /// <summary><c>default</c>: a value type defaulting to its zero value.</summary>
    Default,

    /// <summary>A <c>string</c>.</summary>
    String,

    /// <summary>A <c>char</c>.</summary>
    Char,

    /// <summary>A <c>bool</c>.</summary>
    Boolean,

    /// <summary>A <c>float</c>.</summary>
    Single,

    /// <summary>A <c>double</c>.</summary>
    Double,

    /// <summary>A <c>decimal</c>.</summary>
    Decimal,

    /// <summary>A <c>uint</c>.</summary>
    UInt32,

    /// <summary>A <c>long</c>.</summary>
    Int64,

    /// <summary>A <c>ulong</c>.</summary>
    UInt64,

    /// <summary>A number written without a suffix: <c>int</c>, <c>short</c>, <c>ushort</c>, <c>byte</c>, <c>sbyte</c> (constant conversions make the plain literal fit).</summary>
    Integer,

    /// <summary>Any other constant, written as its invariant text.</summary>
    Other,
}
