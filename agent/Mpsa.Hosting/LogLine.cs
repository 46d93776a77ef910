using System.Collections;
using System.Globalization;
using System.Text;

namespace Mpsa.Hosting;

/// <summary>
/// One log message: a template such as <c>"sent {Length} bytes to {To}"</c> and its values in the order of its
/// placeholders, formatted as Microsoft.Extensions.Logging formats a message template (invariant culture, an optional
/// <c>:format</c>, null as <c>(null)</c>, a list as its items joined by ", ", <c>{{</c> and <c>}}</c> for braces).
/// To a structured logger (the controller's JSON) it is the state: each placeholder's name with its value, then
/// <c>{OriginalFormat}</c>. The daemons log through it rather than LoggerMessage, whose generic logging call needs
/// NativeAOT's runtime type loader in the agent.
/// </summary>
internal sealed class LogLine(string template, object?[] values) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private const string OriginalFormat = "{OriginalFormat}";
    private string? _text;
    private List<string>? _names;

    public string Template => template;

    public int Count => values.Length + 1;

    public KeyValuePair<string, object?> this[int index] => index == values.Length
        ? new(OriginalFormat, template)
        : new(Names()[index], values[index]);

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => _text ??= Format();

    public static string Text(LogLine line, Exception? exception) => line.ToString();

    private string Format()
    {
        var text = new StringBuilder(template.Length + 16 * values.Length);
        Parse(text, null);
        return text.ToString();
    }

    private List<string> Names()
    {
        if (_names is null)
        {
            var names = new List<string>(values.Length);
            Parse(null, names);
            while (names.Count < values.Length)
            {
                names.Add("Value" + names.Count.ToString(CultureInfo.InvariantCulture));
            }
            _names = names;
        }
        return _names;
    }

    /// <summary>One pass over the template: the text with each placeholder's value into <paramref name="text"/>,
    /// the placeholders' names into <paramref name="names"/> (either may be null).</summary>
    private void Parse(StringBuilder? text, List<string>? names)
    {
        int next = 0;
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                text?.Append(c);
                i++;
            }
            else if (c == '{' && template.IndexOf('}', i) is int end and > 0)
            {
                var placeholder = template.AsSpan(i + 1, end - i - 1);
                int colon = placeholder.IndexOf(':');
                names?.Add((colon < 0 ? placeholder : placeholder[..colon]).ToString());
                if (text is not null)
                {
                    AppendValue(text, next < values.Length ? values[next] : null, colon < 0 ? null : placeholder[(colon + 1)..].ToString());
                }
                next++;
                i = end;
            }
            else
            {
                text?.Append(c);
            }
        }
    }

    private static void AppendValue(StringBuilder text, object? value, string? format)
    {
        switch (value)
        {
            case null:
                text.Append("(null)");
                break;
            case string s:
                text.Append(s);
                break;
            case IEnumerable items:
                bool first = true;
                foreach (object? item in items)
                {
                    text.Append(first ? "" : ", ");
                    AppendValue(text, item, format);
                    first = false;
                }
                break;
            case IFormattable f:
                text.Append(f.ToString(format, CultureInfo.InvariantCulture));
                break;
            default:
                text.Append(value.ToString());
                break;
        }
    }
}
