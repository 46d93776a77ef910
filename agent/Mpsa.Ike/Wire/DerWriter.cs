namespace Mpsa.Ike.Wire;

/// <summary>
/// Writes DER (X.690 §10) as .NET's ASN.1 library writes it under its DER rules: definite lengths in their
/// shortest form, and the elements of a SET OF in ascending order of their encodings (§11.6).
/// <c>using (writer.PushSequence()) { … }</c> closes what it opens.
/// </summary>
internal sealed class DerWriter
{
    private readonly List<byte[]> _top = [];

    /// <summary>The SEQUENCEs and SET OFs open, innermost last, each with the elements written in it so far.</summary>
    private readonly List<(byte Tag, List<byte[]> Elements)> _open = [];

    private List<byte[]> Current => _open.Count == 0 ? _top : _open[^1].Elements;

    public Scope PushSequence() => Push(DerTag.Sequence);

    public Scope PushSetOf() => Push(DerTag.SetOf);

    public void WriteObjectIdentifier(string dotted) =>
        Current.Add(Element(DerTag.ObjectIdentifier, DerObjectIdentifier.Encode(dotted)));

    /// <summary>A character string of the type <paramref name="tag"/>
    /// (see <see cref="DerCharacterString.Encode"/>).</summary>
    public void WriteCharacterString(byte tag, string text) =>
        Current.Add(Element(tag, DerCharacterString.Encode(tag, text)));

    /// <summary>One element already encoded, written as it is; as in .NET's writer, its identifier and length octets
    /// must be DER (<see cref="DerReader.IsOneElement"/>), its contents are not looked into.</summary>
    public void WriteEncodedValue(ReadOnlySpan<byte> element)
    {
        if (!DerReader.IsOneElement(element))
        {
            throw new ArgumentException("not one DER element", nameof(element));
        }
        Current.Add(element.ToArray());
    }

    /// <summary>Everything written, once every SEQUENCE and SET OF is closed.</summary>
    public byte[] Encode() =>
        _open.Count == 0 ? Concat(_top) : throw new InvalidOperationException("a SEQUENCE or SET OF is still open");

    private Scope Push(byte tag)
    {
        _open.Add((tag, []));
        return new Scope(this);
    }

    private void Pop()
    {
        var (tag, elements) = _open[^1];
        _open.RemoveAt(_open.Count - 1);
        if (tag == DerTag.SetOf)
        {
            // X.690 §11.6: as octet strings, the shorter padded with zeros at its end. One whole element is never a
            // proper prefix of another (the length octets would differ first), so this is plain lexicographic order.
            elements.Sort(static (a, b) => a.AsSpan().SequenceCompareTo(b));
        }
        Current.Add(Element(tag, Concat(elements)));
    }

    /// <summary>Identifier, length (X.690 §8.1.3: short form below 128, else 0x80 + the count of big-endian octets
    /// that follow, as few as hold it) and contents.</summary>
    private static byte[] Element(byte tag, ReadOnlySpan<byte> contents)
    {
        int length = contents.Length;
        int count = length < 0x80 ? 0 : length <= 0xff ? 1 : length <= 0xffff ? 2 : length <= 0xffffff ? 3 : 4;
        var element = new byte[2 + count + length];
        element[0] = tag;
        element[1] = (byte)(count == 0 ? length : 0x80 | count);
        for (int i = 0; i < count; i++)
        {
            element[1 + count - i] = (byte)(length >> (8 * i));
        }
        contents.CopyTo(element.AsSpan(2 + count));
        return element;
    }

    private static byte[] Concat(List<byte[]> elements)
    {
        int total = 0;
        foreach (var e in elements)
        {
            total += e.Length;
        }
        var all = new byte[total];
        int at = 0;
        foreach (var e in elements)
        {
            e.CopyTo(all, at);
            at += e.Length;
        }
        return all;
    }

    /// <summary>Closes the SEQUENCE or SET OF opened last when disposed.</summary>
    public readonly ref struct Scope
    {
        private readonly DerWriter _writer;

        internal Scope(DerWriter writer) => _writer = writer;

        public void Dispose() => _writer.Pop();
    }
}
