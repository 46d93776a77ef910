using System.Buffers.Binary;

namespace Mpsa.Ike.Wire;

/// <summary>Big-endian writer into an exactly sized buffer; writing past its end is a programming error.</summary>
public ref struct IkeWriter
{
    private readonly Span<byte> _buffer;

    public IkeWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        Position = 0;
    }

    public int Position { get; private set; }

    public readonly Span<byte> Buffer => _buffer;

    public void WriteUInt8(byte value) => _buffer[Position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(Position, 2), value);
        Position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.Slice(Position, 4), value);
        Position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.Slice(Position, 8), value);
        Position += 8;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[Position..]);
        Position += bytes.Length;
    }

    public void WriteZeros(int n)
    {
        _buffer.Slice(Position, n).Clear();
        Position += n;
    }

    /// <summary>Reserves <paramref name="n"/> bytes and returns where they start.</summary>
    public int Skip(int n)
    {
        int at = Position;
        Position += n;
        return at;
    }
}
