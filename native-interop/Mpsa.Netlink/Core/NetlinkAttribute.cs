using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Core;

/// <summary>One attribute: its type (NLA_F_NESTED and NLA_F_NET_BYTEORDER stripped) and value (without padding).</summary>
internal readonly ref struct NetlinkAttribute
{
    public const ushort NLA_F_NESTED = 0x8000;
    public const ushort NLA_F_NET_BYTEORDER = 0x4000;
    public const ushort NLA_TYPE_MASK = 0x3fff;

    public NetlinkAttribute(ushort type, ReadOnlySpan<byte> value)
    {
        Type = (ushort)(type & NLA_TYPE_MASK);
        Value = value;
    }

    public ushort Type { get; }

    public ReadOnlySpan<byte> Value { get; }

    /// <summary>The attributes nested in this one.</summary>
    public NetlinkAttributeReader Nested => new(Value);

    /// <summary>A u32 in host byte order.</summary>
    public uint ReadUInt32() => MemoryMarshal.Read<uint>(Exactly(4, "u32"));

    /// <summary>A u8.</summary>
    public byte ReadByte() => Exactly(1, "u8")[0];

    /// <summary>A fixed struct at the start of the value; the value may be longer (the kernel appends fields), never shorter.</summary>
    public T Read<T>(string structure)
        where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (Value.Length < size)
        {
            Throw(structure, size, Value.Length);
        }
        return MemoryMarshal.Read<T>(Value);
    }

    private ReadOnlySpan<byte> Exactly(int length, string what)
    {
        if (Value.Length != length)
        {
            Throw(what, length, Value.Length);
        }
        return Value;
    }

    [DoesNotReturn]
    private void Throw(string structure, int needed, int got) =>
        throw new NetlinkParseException($"attribute {Type}: {structure} needs {needed} bytes, value has {got}");
}
