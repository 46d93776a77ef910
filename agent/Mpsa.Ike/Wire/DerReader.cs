namespace Mpsa.Ike.Wire;

/// <summary>
/// Reads DER (X.690 §10) the way .NET's ASN.1 library reads it under its DER rules: each element is a tag, a
/// definite length in its shortest form, and that many contents octets, all within what is left. Only the elements
/// asked for are looked into. Bad input fails with <see cref="IkeParseException"/>.
/// </summary>
internal ref struct DerReader
{
    private ReadOnlySpan<byte> _rest;
    private int _offset;

    public DerReader(ReadOnlySpan<byte> data, int offset = 0)
    {
        _rest = data;
        _offset = offset;
    }

    public readonly bool HasData => !_rest.IsEmpty;

    /// <summary>A SEQUENCE: a reader of its contents.</summary>
    public DerReader ReadSequence() => ReadConstructed(DerTag.Sequence, "SEQUENCE");

    /// <summary>A SET OF: a reader of its contents, in the order sent (the DER sort order, X.690 §11.6, is not
    /// checked).</summary>
    public DerReader ReadSetOf() => ReadConstructed(DerTag.SetOf, "SET OF");

    /// <summary>An OBJECT IDENTIFIER, as dotted decimal text.</summary>
    public string ReadObjectIdentifier()
    {
        var (header, length) = ReadHeader(_rest, _offset);
        if (_rest[0] != DerTag.ObjectIdentifier)
        {
            IkeParse.Fail(IkeParseError.BadValue, "OBJECT IDENTIFIER tag", _offset);
        }
        int at = _offset + header;
        return DerObjectIdentifier.Decode(Take(header + length)[header..], at);
    }

    /// <summary>The next element whole (identifier, length and contents octets), of any type; its contents are not
    /// looked into.</summary>
    public ReadOnlySpan<byte> ReadEncodedValue()
    {
        var (header, length) = ReadHeader(_rest, _offset);
        return Take(header + length);
    }

    public readonly void ExpectEnd(string what)
    {
        if (!_rest.IsEmpty)
        {
            IkeParse.Fail(IkeParseError.TrailingBytes, what, _offset);
        }
    }

    /// <summary>Whether <paramref name="data"/> is exactly one element: its identifier and length octets DER, its
    /// contents all there and nothing after them.</summary>
    public static bool IsOneElement(ReadOnlySpan<byte> data)
    {
        try
        {
            var (header, length) = ReadHeader(data, 0);
            return header + length == data.Length;
        }
        catch (IkeParseException)
        {
            return false;
        }
    }

    /// <summary>The contents octets of one element, as <see cref="ReadEncodedValue"/> returned it.</summary>
    public static ReadOnlySpan<byte> ContentsOf(ReadOnlySpan<byte> element)
    {
        var (header, length) = ReadHeader(element, 0);
        return element.Slice(header, length);
    }

    /// <summary>The identifier and length octets at the start of <paramref name="data"/>: how many they are
    /// (<c>Header</c>), and how many contents octets follow (<c>Length</c>), checked to be there.</summary>
    public static (int Header, int Length) ReadHeader(ReadOnlySpan<byte> data, int offset)
    {
        int tag = TagOctets(data, offset);
        int header = tag + LengthOctets(data[tag..], offset + tag, out int length);
        if (length > data.Length - header)
        {
            IkeParse.Fail(IkeParseError.LengthBeyondContainer, "DER element", offset);
        }
        return (header, length);
    }

    private DerReader ReadConstructed(byte tag, string what)
    {
        var (header, length) = ReadHeader(_rest, _offset);
        if (_rest[0] != tag)
        {
            IkeParse.Fail(IkeParseError.BadValue, what + " tag", _offset);
        }
        int at = _offset + header;
        return new DerReader(Take(header + length)[header..], at);
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        var taken = _rest[..n];
        _rest = _rest[n..];
        _offset += n;
        return taken;
    }

    /// <summary>
    /// X.690 §8.1.2: the identifier octets. Tag numbers up to 30 sit in the first octet; bits 11111 there mean that
    /// the number follows in base 128, high bit set on all octets but the last (§8.1.2.4). As .NET's reader takes it,
    /// that number is in its shortest form (no leading 0x80, §8.1.2.4.2 c), above 30, and at most int.MaxValue.
    /// </summary>
    private static int TagOctets(ReadOnlySpan<byte> data, int offset)
    {
        if (data.IsEmpty)
        {
            IkeParse.Fail(IkeParseError.Truncated, "DER tag", offset);
        }
        if ((data[0] & 0x1f) != 0x1f)
        {
            return 1;
        }
        long number = 0;
        for (int i = 1; i < data.Length; i++)
        {
            number = (number << 7) | (uint)(data[i] & 0x7f);
            if (number is 0 or > int.MaxValue)
            {
                IkeParse.Fail(IkeParseError.BadValue, "DER tag", offset);
            }
            if ((data[i] & 0x80) == 0)
            {
                return number > 30 ? i + 1 : IkeParse.Fail<int>(IkeParseError.BadValue, "DER tag", offset);
            }
        }
        return IkeParse.Fail<int>(IkeParseError.Truncated, "DER tag", offset);
    }

    /// <summary>
    /// X.690 §8.1.3 and §10.1: the length octets, definite (0x80, the indefinite form, is not DER) and in the fewest
    /// octets: below 128 the short form, else 0x80 + the number of octets that follow, the first of them not 0.
    /// As .NET's reader takes it, at most int.MaxValue (four octets).
    /// </summary>
    private static int LengthOctets(ReadOnlySpan<byte> data, int offset, out int length)
    {
        if (data.IsEmpty)
        {
            IkeParse.Fail(IkeParseError.Truncated, "DER length", offset);
        }
        int first = data[0];
        if (first < 0x80)
        {
            length = first;
            return 1;
        }
        int count = first & 0x7f;
        if (count is 0 or > sizeof(int))
        {
            IkeParse.Fail(IkeParseError.BadValue, "DER length", offset);
        }
        if (count >= data.Length)
        {
            IkeParse.Fail(IkeParseError.Truncated, "DER length", offset);
        }
        uint value = 0;
        foreach (byte b in data.Slice(1, count))
        {
            value = (value << 8) | b;
        }
        if (data[1] == 0 || value < 0x80 || value > int.MaxValue)
        {
            IkeParse.Fail(IkeParseError.BadValue, "DER length", offset);
        }
        length = (int)value;
        return 1 + count;
    }
}
