using System.Buffers;
using System.Globalization;
using System.Text;

namespace Mpsa.Ike.Wire;

/// <summary>
/// Text a peer controls (identities, certificate names, anything decoded from the wire), made safe to print on one
/// log line: control characters become visible escapes, so a peer cannot end a line, forge the next one or send a
/// terminal escape sequence. <c>\n \r \t</c> print as such, other C0/C1 controls and DEL as <c>\x1b</c>, and the
/// invisible format characters that reorder or break displayed text (bidi controls, U+2028/2029) and unpaired
/// surrogates as <c>\u202e</c>. A backslash is left alone, so escaping twice changes nothing.
/// </summary>
public static class PeerText
{
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f"
        + "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"
        + "\u007f\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008a\u008b\u008c\u008d\u008e\u008f"
        + "\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009a\u009b\u009c\u009d\u009e\u009f"
        + "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069");

    /// <summary><paramref name="text"/> with every unsafe character escaped; the same instance when there is none.</summary>
    public static string Escape(string text)
    {
        int first = FirstUnsafe(text);
        if (first < 0)
        {
            return text;
        }
        var escaped = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                escaped.Append(c).Append(text[++i]);
            }
            else if (!IsUnsafe(c))
            {
                escaped.Append(c);
            }
            else
            {
                escaped.Append(c switch
                {
                    '\n' => @"\n",
                    '\r' => @"\r",
                    '\t' => @"\t",
                    < '\u0100' => string.Create(CultureInfo.InvariantCulture, $@"\x{(int)c:x2}"),
                    _ => string.Create(CultureInfo.InvariantCulture, $@"\u{(int)c:x4}"),
                });
            }
        }
        return escaped.ToString();
    }

    /// <summary>Bytes a peer sent as text (an FQDN, a Vendor ID): UTF-8 where they are (invalid sequences become
    /// U+FFFD), escaped.</summary>
    public static string FromBytes(ReadOnlySpan<byte> bytes) => Escape(Encoding.UTF8.GetString(bytes));

    /// <summary>Whether <paramref name="c"/> would be escaped (surrogates count only when unpaired).</summary>
    public static bool IsUnsafe(char c) => Unsafe.Contains(c) || char.IsSurrogate(c);

    private static int FirstUnsafe(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            int next = text.AsSpan(i).IndexOfAny(Unsafe);
            int surrogate = text.AsSpan(i).IndexOfAnyInRange('\ud800', '\udfff');
            if (surrogate < 0 || (next >= 0 && next < surrogate))
            {
                return next < 0 ? -1 : i + next;
            }
            i += surrogate;
            if (!char.IsHighSurrogate(text[i]) || i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
            {
                return i;
            }
            i++;   // a well-formed pair: go on after it
        }
        return -1;
    }
}
