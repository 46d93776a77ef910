using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Core;

/// <summary>
/// Walks a run of netlink attributes (struct nlattr + value + padding to 4), applying the three length checks of the IKE
/// codec before each one: enough bytes for the header, declared length at least the header, declared length at most
/// what is left. The last attribute may lack its padding. Throws <see cref="NetlinkParseException"/> on a lying length.
/// <code>
///  0               1               2               3
/// +---------------+---------------+---------------+---------------+
/// |          nla_len (u16)        |          nla_type (u16)       |
/// +---------------+---------------+---------------+---------------+
/// |  value (nla_len - 4 bytes) ... padding to a multiple of 4     |
/// </code>
/// </summary>
internal ref struct NetlinkAttributeReader
{
    private ReadOnlySpan<byte> _rest;
    private NetlinkAttribute _current;

    public NetlinkAttributeReader(ReadOnlySpan<byte> attributes) => _rest = attributes;

    public readonly NetlinkAttribute Current => _current;

    public readonly NetlinkAttributeReader GetEnumerator() => this;

    /// <summary>Advances to the next attribute; false at the end of the run.</summary>
    public bool MoveNext()
    {
        if (_rest.IsEmpty)
        {
            return false;
        }
        if (_rest.Length < nlattr.Size)
        {
            Throw($"{_rest.Length} bytes left, fewer than an attribute header");
        }
        var header = MemoryMarshal.Read<nlattr>(_rest); // host byte order
        int length = header.nla_len;
        ushort type = header.nla_type;
        if (length < nlattr.Size)
        {
            Throw($"attribute {type} declares length {length}, less than its header");
        }
        if (length > _rest.Length)
        {
            Throw($"attribute {type} declares length {length}, only {_rest.Length} bytes left");
        }
        _current = new NetlinkAttribute(type, _rest[nlattr.Size..length]);
        int padded = NetlinkMessageBuilder.Align(length);
        _rest = padded >= _rest.Length ? [] : _rest[padded..];
        return true;
    }

    [DoesNotReturn]
    private static void Throw(string message) => throw new NetlinkParseException(message);
}
