using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Core;

/// <summary>
/// Walks the netlink messages of one received datagram, with the same three length checks as
/// <see cref="NetlinkAttributeReader"/>: a whole header left, nlmsg_len at least the header, nlmsg_len at most what is left.
/// </summary>
internal ref struct NetlinkMessageReader
{
    private ReadOnlySpan<byte> _rest;
    private NetlinkMessage _current;

    public NetlinkMessageReader(ReadOnlySpan<byte> datagram) => _rest = datagram;

    public readonly NetlinkMessage Current => _current;

    public readonly NetlinkMessageReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_rest.IsEmpty)
        {
            return false;
        }
        if (_rest.Length < nlmsghdr.Size)
        {
            Throw($"{_rest.Length} bytes left, fewer than a message header");
        }
        var header = MemoryMarshal.Read<nlmsghdr>(_rest); // host byte order
        uint length = header.nlmsg_len;
        ushort type = header.nlmsg_type;
        if (length < nlmsghdr.Size)
        {
            Throw($"message type {type} declares length {length}, less than its header");
        }
        if (length > (uint)_rest.Length)
        {
            Throw($"message type {type} declares length {length}, only {_rest.Length} bytes left");
        }
        _current = new NetlinkMessage(type, (NlmFlags)header.nlmsg_flags, header.nlmsg_seq, header.nlmsg_pid, _rest[nlmsghdr.Size..(int)length]);
        int padded = NetlinkMessageBuilder.Align((int)length);
        _rest = padded >= _rest.Length ? [] : _rest[padded..];
        return true;
    }

    [DoesNotReturn]
    private static void Throw(string message) => throw new NetlinkParseException(message);
}
