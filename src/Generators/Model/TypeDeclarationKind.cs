namespace TaskFlow.Generators.Model;

/// <summary>What kind of type a containing type is; the emitter reopens it with the matching keywords.</summary>
internal enum TypeDeclarationKind
{
    /// <summary><c>partial class</c>.</summary>
    Class,

    /// <summary><c>partial struct</c>.</summary>
    Struct,

    /// <summary><c>ref partial struct</c>.</summary>
    RefStruct,

    /// <summary><c>partial interface</c>.</summary>
    Interface,

    /// <summary><c>partial record</c>.</summary>
    Record,

    /// <summary><c>partial record struct</c>.</summary>
    RecordStruct,
}
