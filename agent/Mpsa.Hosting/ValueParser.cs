using System.Diagnostics.CodeAnalysis;

namespace Mpsa.Hosting;

/// <summary>
/// The type of a configuration value: how to parse it, and what a right value looks like
/// (<see cref="Expected"/>, "a port (1-65535)"), which is what an error message shows. The built-in
/// types are in <see cref="ConfigValues"/>; a daemon can make its own with the constructor.
/// A <see cref="Sensitive"/> type never echoes the text it rejects.
/// </summary>
internal sealed class ValueParser<T>(string expected, TryParseValue<T> tryParse, bool sensitive = false)
{
    public string Expected { get; } = expected;

    public bool Sensitive { get; } = sensitive;

    public bool TryParse(string text, [MaybeNullWhen(false)] out T value, out string problem)
    {
        if (tryParse(text, out value, out var specific))
        {
            problem = "";
            return true;
        }
        // A sensitive type's own messages never quote the text; the generic one must not either.
        problem = specific ?? (Sensitive ? $"the value is not {Expected}" : $"'{text}' is not {Expected}");
        return false;
    }

    public override string ToString() => Expected;
}
