using System;
using System.Text;

namespace TaskFlow.Generators;

/// <summary>Writes indented C# source with <c>\n</c> line endings, so that output is the same on every platform.</summary>
internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";

    private readonly StringBuilder _builder = new();
    private int _indent;

    public void WriteLine()
    {
        _builder.Append('\n');
    }

    public void WriteLine(string line)
    {
        if (line.Length > 0)
        {
            for (var i = 0; i < _indent; i++)
            {
                _builder.Append(IndentUnit);
            }

            _builder.Append(line);
        }

        _builder.Append('\n');
    }

    /// <summary>Writes <c>{</c> and indents until the returned scope is disposed, which writes <c>}</c> (plus <paramref name="closingSuffix"/>).</summary>
    public Block OpenBlock(string closingSuffix = "")
    {
        WriteLine("{");
        _indent++;
        return new Block(this, closingSuffix);
    }

    public void Indent() => _indent++;

    public void Unindent() => _indent--;

    public override string ToString() => _builder.ToString();

    public readonly struct Block : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string _closingSuffix;

        public Block(SourceWriter writer, string closingSuffix)
        {
            _writer = writer;
            _closingSuffix = closingSuffix;
        }

        public void Dispose()
        {
            _writer._indent--;
            _writer.WriteLine("}" + _closingSuffix);
        }
    }
}
