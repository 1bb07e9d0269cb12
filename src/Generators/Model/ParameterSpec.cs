using TaskFlow.Shared;

namespace TaskFlow.Generators.Model;

/// <summary>One parameter of a task method.</summary>
/// <param name="Name">The parameter name as declared (no <c>@</c>).</param>
/// <param name="Identifier">The name as an identifier (escaped if it is a keyword).</param>
/// <param name="Kind">Where the invoker gets the value from (<see cref="TaskParameterRules.Classify"/>).</param>
/// <param name="Type">The type as used in generated code, <c>global::</c>-qualified with nullable annotations.</param>
/// <param name="IsNullable">Whether <c>null</c> is a valid value: <c>Nullable&lt;T&gt;</c> or an annotated reference type (arguments: <c>allowNull</c>; services: resolved with <c>GetService</c>).</param>
/// <param name="WireName">The snake_case keyword name (arguments only).</param>
/// <param name="TypeDisplay">The type as shown in the descriptor, e.g. <c>string?</c> (arguments only).</param>
/// <param name="DefaultValue">The default value; <c>null</c> when the argument is required.</param>
/// <param name="DefaultInProxy">Whether the default can be carried to the proxy methods (every later argument has one too).</param>
/// <param name="Sensitive">Whether the parameter is marked <c>[Sensitive]</c> (arguments only): shown as <c>***</c>, header <c>x-taskflow-sensitive</c>.</param>
/// <param name="SuppressNullableOnPass">Whether the generated local is nullable but the method parameter is not (a <c>null</c> default on a non-annotated parameter), so passing it needs <c>!</c>.</param>
internal sealed record ParameterSpec(
    string Name,
    string Identifier,
    TaskParameterKind Kind,
    string Type,
    bool IsNullable,
    string WireName,
    string TypeDisplay,
    ConstantSpec? DefaultValue,
    bool DefaultInProxy,
    bool SuppressNullableOnPass,
    bool Sensitive = false)
{
    public bool HasDefault => DefaultValue is not null;
}
