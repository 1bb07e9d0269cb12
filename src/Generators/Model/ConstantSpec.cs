namespace TaskFlow.Generators.Model;

/// <summary>
/// A compile-time constant as a value, for the emitter to write as a C# expression: a parameter's default value, or
/// an enum value set in an attribute.
/// </summary>
/// <param name="Kind">The constant's type, which says how it is written.</param>
/// <param name="Value">
/// The value as invariant text: a string or char as it is, <c>true</c> or <c>false</c>, a number in round-trip form
/// (<c>1.5</c>, <c>-3</c>, <c>NaN</c>, <c>-Infinity</c>); for an enum value, its underlying number; empty for
/// <see cref="ConstantKind.Null"/> and <see cref="ConstantKind.Default"/>.
/// </param>
/// <param name="EnumType">For an enum value, the enum type, <c>global::</c>-qualified; otherwise <c>null</c>.</param>
/// <param name="EnumMember">For an enum value written by name, the member's name as declared; <c>null</c> to write a cast of the number.</param>
internal sealed record ConstantSpec(ConstantKind Kind, string Value, string? EnumType = null, string? EnumMember = null);
