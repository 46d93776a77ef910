using System.Text;

namespace Mpsa.Ike.Wire;

/// <summary>
/// X.690 §8.19 OBJECT IDENTIFIER contents and their dotted decimal text. Each subidentifier is a number in base 128,
/// big-endian, the high bit set on all its octets but the last, in the fewest octets; the first subidentifier is
/// 40·X + Y for the first two arcs X.Y (§8.19.4). Subidentifiers are limited to 128 bits (UInt128), and a decoded OID
/// to 64 arcs, as .NET's ASN.1 library limits them; anything larger is refused as malformed.
/// </summary>
internal static class DerObjectIdentifier
{
    /// <summary>64 arcs: the first subidentifier holds two.</summary>
    private const int MaxSubidentifiers = 63;

    /// <summary>The dotted text of the contents octets; <paramref name="offset"/> (theirs) is for errors.</summary>
    public static string Decode(ReadOnlySpan<byte> contents, int offset)
    {
        if (contents.IsEmpty)
        {
            IkeParse.Fail(IkeParseError.BadValue, "OBJECT IDENTIFIER", offset);
        }
        var text = new StringBuilder();
        for (int count = 1; !contents.IsEmpty; count++)
        {
            if (count > MaxSubidentifiers)
            {
                IkeParse.Fail(IkeParseError.BadValue, "OBJECT IDENTIFIER (over 64 arcs)", offset);
            }
            UInt128 value = ReadSubidentifier(ref contents, ref offset);
            if (count == 1)
            {
                // X = 0 or 1 leave Y below 40; X = 2 takes the rest (X.690 §8.19.4)
                int x = value < 40 ? 0 : value < 80 ? 1 : 2;
                text.Append((char)('0' + x)).Append('.');
                value -= (uint)(40 * x);
            }
            else
            {
                text.Append('.');
            }
            AppendDecimal(text, value);
        }
        return text.ToString();
    }

    /// <summary>The contents octets of a dotted OID: at least two arcs, the first 0, 1 or 2, the second below 40 under
    /// 0 and 1, each arc decimal digits without a leading zero (X.680's number) and below 2^128. Anything else throws
    /// <see cref="ArgumentException"/>, as .NET's writer does.</summary>
    public static byte[] Encode(string dotted)
    {
        string[] arcs = dotted.Split('.');
        if (arcs.Length < 2 || arcs[0] is not ("0" or "1" or "2"))
        {
            throw Invalid(dotted);
        }
        uint x = (uint)(arcs[0][0] - '0');
        UInt128 y = ParseArc(arcs[1], dotted);
        if ((x < 2 && y >= 40) || y > UInt128.MaxValue - 80)
        {
            throw Invalid(dotted);
        }
        var contents = new List<byte>();
        AppendSubidentifier(contents, 40 * x + y);
        for (int i = 2; i < arcs.Length; i++)
        {
            AppendSubidentifier(contents, ParseArc(arcs[i], dotted));
        }
        return [.. contents];
    }

    private static UInt128 ReadSubidentifier(ref ReadOnlySpan<byte> contents, ref int offset)
    {
        // X.690 §8.19.2: "the leading octet of the subidentifier shall not have the value 0x80"
        if (contents[0] == 0x80)
        {
            IkeParse.Fail(IkeParseError.BadValue, "OBJECT IDENTIFIER (subidentifier not in its shortest form)", offset);
        }
        UInt128 value = 0;
        for (int i = 0; i < contents.Length; i++)
        {
            if (value >> (128 - 7) != 0)
            {
                IkeParse.Fail(IkeParseError.BadValue, "OBJECT IDENTIFIER (subidentifier over 128 bits)", offset);
            }
            value = (value << 7) | (uint)(contents[i] & 0x7f);
            if ((contents[i] & 0x80) == 0)
            {
                contents = contents[(i + 1)..];
                offset += i + 1;
                return value;
            }
        }
        return IkeParse.Fail<UInt128>(IkeParseError.Truncated, "OBJECT IDENTIFIER (last subidentifier)", offset);
    }

    /// <summary>Decimal digits of a UInt128 without the runtime's big-number formatting.</summary>
    private static void AppendDecimal(StringBuilder text, UInt128 value)
    {
        Span<char> digits = stackalloc char[39];    // 2^128 - 1 has 39
        int at = digits.Length;
        do
        {
            digits[--at] = (char)('0' + (int)(value % 10));
            value /= 10;
        }
        while (value != 0);
        text.Append(digits[at..]);
    }

    private static void AppendSubidentifier(List<byte> contents, UInt128 value)
    {
        Span<byte> groups = stackalloc byte[19];    // 128 bits in 7-bit groups, least significant first
        int n = 0;
        do
        {
            groups[n++] = (byte)(value & 0x7f);
            value >>= 7;
        }
        while (value != 0);
        while (n-- > 0)
        {
            contents.Add((byte)(groups[n] | (n > 0 ? 0x80 : 0)));
        }
    }

    private static UInt128 ParseArc(string arc, string dotted)
    {
        if (arc.Length == 0 || (arc.Length > 1 && arc[0] == '0'))
        {
            throw Invalid(dotted);
        }
        UInt128 value = 0;
        foreach (char c in arc)
        {
            uint digit = (uint)(c - '0');
            if (digit > 9 || value > (UInt128.MaxValue - digit) / 10)
            {
                throw Invalid(dotted);
            }
            value = value * 10 + digit;
        }
        return value;
    }

    private static ArgumentException Invalid(string dotted) =>
        new($"'{dotted}' is not a dotted OID (or an arc is 2^128 or more)", nameof(dotted));
}
