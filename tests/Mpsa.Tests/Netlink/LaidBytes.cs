using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Mpsa.Tests.Netlink;

/// <summary>Expected message bytes laid by hand at the C offsets (xfrm-layout.c), independent of our struct declarations.</summary>
internal sealed class LaidBytes(int length)
{
    public byte[] Bytes { get; } = new byte[length];

    public LaidBytes U8(int offset, byte value)
    {
        Bytes[offset] = value;
        return this;
    }

    /// <summary>Host order (the tests run on little-endian machines, as do all our targets).</summary>
    public LaidBytes U16(int offset, ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Bytes.AsSpan(offset), value);
        return this;
    }

    public LaidBytes U32(int offset, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Bytes.AsSpan(offset), value);
        return this;
    }

    public LaidBytes U64(int offset, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(Bytes.AsSpan(offset), value);
        return this;
    }

    public LaidBytes Be16(int offset, ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(Bytes.AsSpan(offset), value);
        return this;
    }

    public LaidBytes Be32(int offset, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(Bytes.AsSpan(offset), value);
        return this;
    }

    public LaidBytes Address(int offset, string address)
    {
        IPAddress.Parse(address).GetAddressBytes().CopyTo(Bytes, offset);
        return this;
    }

    public LaidBytes Ascii(int offset, string text)
    {
        Encoding.ASCII.GetBytes(text).CopyTo(Bytes, offset);
        return this;
    }

    public LaidBytes Fill(int offset, int count, byte value)
    {
        Bytes.AsSpan(offset, count).Fill(value);
        return this;
    }
}
