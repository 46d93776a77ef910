using System.Globalization;
using System.Text;

namespace Mpsa.Agent;

/// <summary>
/// The little JSON `status --json` needs, written as System.Text.Json's <c>Utf8JsonWriter</c> writes it indented with
/// its default encoder (two spaces, <c>"name": value</c>, everything outside printable ASCII and the HTML-sensitive
/// characters as <c>\uXXXX</c>): that writer and its encoders cost the agent's binary about 32 kB for one document.
/// </summary>
internal sealed class IndentedJsonWriter
{
    private readonly StringBuilder _text = new();
    private readonly Stack<bool> _empty = new();

    public override string ToString() => _text.ToString();

    public void WriteStartObject(string? name = null) => Open(name, '{');

    public void WriteEndObject() => Close('}');

    public void WriteStartArray(string name) => Open(name, '[');

    public void WriteEndArray() => Close(']');

    public void WriteString(string name, string? value)
    {
        Name(name);
        if (value is null)
        {
            _text.Append("null");
        }
        else
        {
            Quoted(value);
        }
    }

    public void WriteStringValue(string value)
    {
        Name(null);
        Quoted(value);
    }

    public void WriteBoolean(string name, bool value)
    {
        Name(name);
        _text.Append(value ? "true" : "false");
    }

    public void WriteNumber(string name, long value)
    {
        Name(name);
        _text.Append(value.ToString(CultureInfo.InvariantCulture));
    }

    public void WriteNull(string name)
    {
        Name(name);
        _text.Append("null");
    }

    private void Open(string? name, char bracket)
    {
        Name(name);
        _text.Append(bracket);
        _empty.Push(true);
    }

    private void Close(char bracket)
    {
        if (!_empty.Pop())
        {
            NewLine();
        }
        _text.Append(bracket);
    }

    /// <summary>The comma, line break and indentation before a member or element, and its name.</summary>
    private void Name(string? name)
    {
        if (_empty.Count > 0)
        {
            if (!_empty.Pop())
            {
                _text.Append(',');
            }
            _empty.Push(false);
            NewLine();
        }
        if (name is not null)
        {
            Quoted(name);
            _text.Append(": ");
        }
    }

    private void NewLine() => _text.Append('\n').Append(' ', 2 * _empty.Count);

    private void Quoted(string value)
    {
        _text.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\':
                    _text.Append("\\\\");
                    break;
                case '\n':
                    _text.Append("\\n");
                    break;
                case '\r':
                    _text.Append("\\r");
                    break;
                case '\t':
                    _text.Append("\\t");
                    break;
                case '\b':
                    _text.Append("\\b");
                    break;
                case '\f':
                    _text.Append("\\f");
                    break;
                case < ' ' or > '~' or '"' or '&' or '\'' or '+' or '<' or '>' or '`':
                    _text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    break;
                default:
                    _text.Append(c);
                    break;
            }
        }
        _text.Append('"');
    }
}
