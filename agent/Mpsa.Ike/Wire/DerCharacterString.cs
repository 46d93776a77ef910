using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Mpsa.Ike.Wire;

/// <summary>
/// The character string types (X.680 §41) that X.501 Names carry, by their universal tag: contents octets as text,
/// read as .NET's ASN.1 library reads them, and text as contents octets.
/// </summary>
internal static class DerCharacterString
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>Whether an identifier octet is one of these types (universal, primitive).</summary>
    public static bool IsStringTag(byte identifier) => identifier is DerTag.UTF8String or DerTag.NumericString
        or DerTag.PrintableString or DerTag.T61String or DerTag.IA5String or DerTag.VisibleString
        or DerTag.UniversalString or DerTag.BMPString;

    /// <summary>The contents as text, or null when they hold a character the type does not allow or are not its
    /// encoding (or the tag is no character string).</summary>
    public static string? Decode(byte tag, ReadOnlySpan<byte> contents) => tag switch
    {
        DerTag.UTF8String => Utf8.IsValid(contents) ? Encoding.UTF8.GetString(contents) : null,
        DerTag.NumericString or DerTag.PrintableString or DerTag.IA5String or DerTag.VisibleString =>
            AllAllowed(tag, contents) ? Latin1(contents) : null,
        // T.61 proper is a teletex code with escapes; like .NET's ASN.1 library, take UTF-8 when the octets are, else
        // one ISO 8859-1 character per octet
        DerTag.T61String => Utf8.IsValid(contents) ? Encoding.UTF8.GetString(contents) : Latin1(contents),
        DerTag.BMPString => Ucs2BigEndian(contents),
        DerTag.UniversalString => Ucs4BigEndian(contents),
        _ => null,
    };

    /// <summary>The contents octets of text as UTF8String, or as NumericString, PrintableString, IA5String or
    /// VisibleString when every character is one the type allows; otherwise <see cref="ArgumentException"/>.</summary>
    public static byte[] Encode(byte tag, string text)
    {
        if (tag == DerTag.UTF8String)
        {
            return StrictUtf8.GetBytes(text);    // a lone surrogate throws (EncoderFallbackException)
        }
        if (!CanEncode(tag, text))
        {
            throw new ArgumentException($"type 0x{tag:x2} cannot hold '{text}'", nameof(text));
        }
        return Encoding.ASCII.GetBytes(text);
    }

    /// <summary>Whether every character of the text is one the restricted type allows (false for other
    /// types).</summary>
    public static bool CanEncode(byte tag, string text)
    {
        foreach (char c in text)
        {
            if (!Allows(tag, c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>X.680 §41.2 NumericString, §41.4 PrintableString, and the IA5 (all of ASCII) and ISO 646 graphic
    /// (0x20-0x7E) sets of IA5String and VisibleString.</summary>
    private static bool Allows(byte tag, int c) => tag switch
    {
        DerTag.NumericString => c is ' ' or (>= '0' and <= '9'),
        DerTag.PrintableString => c is ' ' or '\'' or '(' or ')' or '+' or ',' or '-' or '.' or '/' or ':' or '=' or '?'
            or (>= '0' and <= '9') or (>= 'A' and <= 'Z') or (>= 'a' and <= 'z'),
        DerTag.IA5String => c < 0x80,
        DerTag.VisibleString => c is >= 0x20 and <= 0x7e,
        _ => false,
    };

    private static bool AllAllowed(byte tag, ReadOnlySpan<byte> contents)
    {
        foreach (byte b in contents)
        {
            if (!Allows(tag, b))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>BMPString: UCS-2 big-endian (X.690 §8.23.8), two octets a character, so no surrogates.</summary>
    private static string? Ucs2BigEndian(ReadOnlySpan<byte> contents)
    {
        if (contents.Length % 2 != 0)
        {
            return null;
        }
        var text = new char[contents.Length / 2];
        for (int i = 0; i < text.Length; i++)
        {
            char c = (char)BinaryPrimitives.ReadUInt16BigEndian(contents[(2 * i)..]);
            if (char.IsSurrogate(c))
            {
                return null;
            }
            text[i] = c;
        }
        return new string(text);
    }

    /// <summary>UniversalString: UCS-4 big-endian (X.690 §8.23.7), four octets a character: a Unicode scalar value
    /// (no surrogate, nothing above U+10FFFF), as a strict UTF-32 decoder takes it.</summary>
    private static string? Ucs4BigEndian(ReadOnlySpan<byte> contents)
    {
        if (contents.Length % 4 != 0)
        {
            return null;
        }
        var text = new StringBuilder(contents.Length / 4);
        Span<char> utf16 = stackalloc char[2];
        for (int i = 0; i < contents.Length; i += 4)
        {
            if (!Rune.TryCreate(BinaryPrimitives.ReadUInt32BigEndian(contents[i..]), out var rune))
            {
                return null;
            }
            text.Append(utf16[..rune.EncodeToUtf16(utf16)]);
        }
        return text.ToString();
    }

    /// <summary>ISO 8859-1 (and so ASCII): each octet the character of that code.</summary>
    private static string Latin1(ReadOnlySpan<byte> contents)
    {
        var text = new char[contents.Length];
        for (int i = 0; i < text.Length; i++)
        {
            text[i] = (char)contents[i];
        }
        return new string(text);
    }
}
