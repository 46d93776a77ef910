namespace Mpsa.Netlink.Core;

/// <summary>One netlink message of a datagram: its header fields and payload (after the 16-byte header, without padding).</summary>
internal readonly ref struct NetlinkMessage(ushort type, NlmFlags flags, uint sequence, uint portId, ReadOnlySpan<byte> payload)
{
    public ushort Type { get; } = type;

    public NlmFlags Flags { get; } = flags;

    public uint Sequence { get; } = sequence;

    public uint PortId { get; } = portId;

    public ReadOnlySpan<byte> Payload { get; } = payload;

    /// <summary>The attributes after a fixed struct of <paramref name="fixedLength"/> bytes (aligned to 4).</summary>
    public NetlinkAttributeReader AttributesAfter(int fixedLength)
    {
        int start = NetlinkMessageBuilder.Align(fixedLength);
        if (Payload.Length < fixedLength)
        {
            throw new NetlinkParseException($"message type {Type}: payload of {Payload.Length} bytes is shorter than its {fixedLength}-byte header");
        }
        return new NetlinkAttributeReader(start >= Payload.Length ? [] : Payload[start..]);
    }
}
