using System.Net;
using System.Net.Sockets;

namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.13.1 Traffic Selector.</summary>
/// <remarks>
///   TS Type (1) | IP Protocol ID (1) | Selector Length (2) | Start Port (2) | End Port (2) |
///   Starting Address (4 or 16) | Ending Address (4 or 16)
/// </remarks>
public sealed record TrafficSelector(TsType TsType, byte IpProtocol, ushort StartPort, ushort EndPort, IPAddress StartAddress, IPAddress EndAddress)
{
    public int Length => 8 + 2 * AddressLength(TsType);

    public static TrafficSelector AnyIPv4 { get; } = new(TsType.TS_IPV4_ADDR_RANGE, 0, 0, 65535, IPAddress.Any, IPAddress.Broadcast);

    public static TrafficSelector AnyIPv6 { get; } = new(TsType.TS_IPV6_ADDR_RANGE, 0, 0, 65535, IPAddress.IPv6Any,
        IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));

    /// <summary>All ports and protocols of one host.</summary>
    public static TrafficSelector ForHost(IPAddress address) => new(
        address.AddressFamily == AddressFamily.InterNetworkV6 ? TsType.TS_IPV6_ADDR_RANGE : TsType.TS_IPV4_ADDR_RANGE,
        0, 0, 65535, address, address);

    private static int AddressLength(TsType type) => type == TsType.TS_IPV6_ADDR_RANGE ? 16 : 4;

    public static TrafficSelector Decode(ref IkeReader r)
    {
        int at = r.Offset;
        var type = (TsType)r.ReadUInt8("TS type");
        byte protocol = r.ReadUInt8("TS IP protocol");
        int length = r.ReadUInt16("TS selector length");
        var body = r.SubByLength(length, 4, "traffic selector", at);
        if (type is not (TsType.TS_IPV4_ADDR_RANGE or TsType.TS_IPV6_ADDR_RANGE))
        {
            IkeParse.Fail(IkeParseError.BadValue, "TS type", at);
        }
        int addressLength = AddressLength(type);
        if (length != 8 + 2 * addressLength)
        {
            IkeParse.Fail(IkeParseError.BadValue, "TS selector length", at + 2);
        }
        ushort start = body.ReadUInt16("TS start port");
        ushort end = body.ReadUInt16("TS end port");
        var startBytes = body.Take(addressLength, "TS starting address");
        var endBytes = body.Take(addressLength, "TS ending address");
        var startAddress = new IPAddress(startBytes);
        // one address (a host's selector) is one IPAddress: CHILD_SAs keep their selectors for as long as they live
        var endAddress = endBytes.SequenceEqual(startBytes) ? startAddress : new IPAddress(endBytes);
        return new TrafficSelector(type, protocol, start, end, startAddress, endAddress);
    }

    public void Encode(ref IkeWriter w)
    {
        w.WriteUInt8((byte)TsType);
        w.WriteUInt8(IpProtocol);
        w.WriteUInt16(checked((ushort)Length));
        w.WriteUInt16(StartPort);
        w.WriteUInt16(EndPort);
        w.Write(StartAddress.GetAddressBytes());
        w.Write(EndAddress.GetAddressBytes());
    }
}
