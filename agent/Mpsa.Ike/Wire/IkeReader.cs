using System.Buffers.Binary;

namespace Mpsa.Ike.Wire;

/// <summary>Big-endian reader over a span; every read is bounds-checked and fails with <see cref="IkeParseException"/>.</summary>
public ref struct IkeReader
{
    private ReadOnlySpan<byte> _rest;

    public IkeReader(ReadOnlySpan<byte> data, int offset = 0)
    {
        _rest = data;
        Offset = offset;
    }

    /// <summary>Absolute offset of the next byte, for error messages.</summary>
    public int Offset { get; private set; }

    public readonly int Remaining => _rest.Length;

    public byte ReadUInt8(string what) => Take(1, what)[0];

    public ushort ReadUInt16(string what) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, what));

    public uint ReadUInt32(string what) => BinaryPrimitives.ReadUInt32BigEndian(Take(4, what));

    public ulong ReadUInt64(string what) => BinaryPrimitives.ReadUInt64BigEndian(Take(8, what));

    public ReadOnlySpan<byte> Take(int n, string what)
    {
        if ((uint)n > (uint)_rest.Length)
        {
            IkeParse.Fail(IkeParseError.Truncated, what, Offset);
        }
        var taken = _rest[..n];
        _rest = _rest[n..];
        Offset += n;
        return taken;
    }

    public ReadOnlySpan<byte> TakeRest() => Take(_rest.Length, "rest");

    /// <summary>Confines a nested structure of <paramref name="n"/> bytes.</summary>
    public IkeReader Sub(int n, string what)
    {
        int at = Offset;
        return new IkeReader(Take(n, what), at);
    }

    /// <summary>Reads a generic length field that counts a header of <paramref name="headerLength"/> bytes already consumed,
    /// applying the three checks: declared ≥ header, declared − header ≤ what is left.</summary>
    public IkeReader SubByLength(int declaredLength, int headerLength, string what, int headerOffset)
    {
        if (declaredLength < headerLength)
        {
            IkeParse.Fail(IkeParseError.LengthBelowHeader, what, headerOffset);
        }
        if (declaredLength - headerLength > _rest.Length)
        {
            IkeParse.Fail(IkeParseError.LengthBeyondContainer, what, headerOffset);
        }
        return Sub(declaredLength - headerLength, what);
    }

    public readonly void ExpectEnd(string what)
    {
        if (!_rest.IsEmpty)
        {
            IkeParse.Fail(IkeParseError.TrailingBytes, what, Offset);
        }
    }
}
