using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Mpsa.Netlink.Core;

/// <summary>
/// Lays out one netlink request: struct nlmsghdr, the family's fixed struct, then attributes, each padded to 4
/// (<c>len</c> counts header and value, not padding). The buffer is pinned (the GC leaves no copies of key bytes) and
/// zeroed once sent (<see cref="Wipe"/>), on <see cref="Dispose"/>, and when it grows. Sequence number and port id are
/// filled in by <see cref="Finish"/>.
/// </summary>
internal sealed class NetlinkMessageBuilder : IDisposable
{
    public const int Alignment = 4;

    private byte[] _buffer;
    private int _length;

    public NetlinkMessageBuilder(ushort type, NlmFlags flags, int capacity = 512)
    {
        _buffer = GC.AllocateArray<byte>(Math.Max(capacity, nlmsghdr.Size), pinned: true);
        var header = new nlmsghdr { nlmsg_type = type, nlmsg_flags = (ushort)flags };
        MemoryMarshal.Write(_buffer, in header);
        _length = nlmsghdr.Size;
    }

    public ushort Type => MemoryMarshal.Read<nlmsghdr>(_buffer).nlmsg_type;

    public NlmFlags Flags => (NlmFlags)MemoryMarshal.Read<nlmsghdr>(_buffer).nlmsg_flags;

    /// <summary>Bytes written so far (the message's nlmsg_len once finished).</summary>
    public int Length => _length;

    /// <summary>Rounds up to a multiple of 4 (NLMSG_ALIGN, NLA_ALIGN).</summary>
    public static int Align(int length) => (length + Alignment - 1) & ~(Alignment - 1);

    /// <summary>Appends a fixed struct (the family header, e.g. xfrm_usersa_info), padded to 4.</summary>
    public void Write<T>(in T value)
        where T : unmanaged
    {
        var span = Reserve(Unsafe.SizeOf<T>());
        MemoryMarshal.Write(span, in value);
    }

    /// <summary>Appends raw bytes, padded to 4.</summary>
    public void Write(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    /// <summary>Appends an attribute whose value is a fixed struct.</summary>
    public void AddAttribute<T>(ushort type, in T value)
        where T : unmanaged
    {
        var span = AddAttribute(type, Unsafe.SizeOf<T>());
        MemoryMarshal.Write(span, in value);
    }

    /// <summary>Appends an attribute with these bytes as its value.</summary>
    public void AddAttribute(ushort type, ReadOnlySpan<byte> value) => value.CopyTo(AddAttribute(type, value.Length));

    /// <summary>Appends an attribute of <paramref name="valueLength"/> zeroed bytes and returns its value to fill in place (variable-length structs such as xfrm_algo).</summary>
    public Span<byte> AddAttribute(ushort type, int valueLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(valueLength);
        int total = nlattr.Size + valueLength;
        if (total > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(valueLength), "an attribute holds at most 65531 bytes");
        }
        var span = Reserve(total);
        var header = new nlattr { nla_len = (ushort)total, nla_type = type };
        MemoryMarshal.Write(span, in header);
        return span[nlattr.Size..];
    }

    /// <summary>Starts a nested attribute; close it with <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        int start = _length;
        AddAttribute((ushort)(type | NetlinkAttribute.NLA_F_NESTED), 0);
        return start;
    }

    public void EndNested(int start)
    {
        int length = _length - start;
        if (length > ushort.MaxValue)
        {
            throw new InvalidOperationException("nested attribute longer than 65535 bytes");
        }
        var header = MemoryMarshal.Read<nlattr>(_buffer.AsSpan(start));
        header.nla_len = (ushort)length;
        MemoryMarshal.Write(_buffer.AsSpan(start), in header);
    }

    /// <summary>Sets nlmsg_len, nlmsg_seq and nlmsg_pid and returns the message. Valid until the next change or <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> Finish(uint sequence, uint portId = 0)
    {
        var header = MemoryMarshal.Read<nlmsghdr>(_buffer);
        header.nlmsg_len = (uint)_length;
        header.nlmsg_seq = sequence;
        header.nlmsg_pid = portId;
        MemoryMarshal.Write(_buffer, in header);
        return _buffer.AsSpan(0, _length);
    }

    /// <summary>Zeroes the buffer (it may hold key bytes): the message is gone, sent or not.</summary>
    public void Wipe()
    {
        CryptographicOperations.ZeroMemory(_buffer);
        _length = 0;
    }

    public void Dispose() => Wipe();

    /// <summary>Zeroed space for <paramref name="length"/> bytes plus padding to 4.</summary>
    private Span<byte> Reserve(int length)
    {
        int padded = Align(length);
        if (_length + padded > _buffer.Length)
        {
            var bigger = GC.AllocateArray<byte>(Math.Max(_buffer.Length * 2, _length + padded), pinned: true);
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            CryptographicOperations.ZeroMemory(_buffer);
            _buffer = bigger;
        }
        var span = _buffer.AsSpan(_length, padded);
        span.Clear();
        _length += padded;
        return span[..length];
    }
}
