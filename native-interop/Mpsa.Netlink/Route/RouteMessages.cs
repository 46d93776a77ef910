using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mpsa.Netlink.Core;
using Mpsa.Netlink.Kernel;
using Mpsa.Netlink.Xfrm;

namespace Mpsa.Netlink.Route;

/// <summary>RTM_GETROUTE dump requests and the reading of RTM_NEWROUTE/RTM_DELROUTE messages.</summary>
internal static class RouteMessages
{
    /// <summary>A dump of one family's routes (the kernel dumps every table unless strict checking is on; the reader filters).</summary>
    public static NetlinkMessageBuilder Dump(AddressFamily family, uint table)
    {
        var b = new NetlinkMessageBuilder(RtnetlinkConstants.RTM_GETROUTE, NlmFlags.NLM_F_REQUEST | NlmFlags.NLM_F_DUMP, 64);
        var rt = new rtmsg { rtm_family = (byte)XfrmAddress.Family(family), rtm_table = table < 256 ? (byte)table : (byte)0 };
        b.Write(in rt);
        b.AddAttribute(RtnetlinkConstants.RTA_TABLE, table);
        return b;
    }

    /// <summary>The route in an RTM_NEWROUTE/RTM_DELROUTE message; null for a family other than IPv4/IPv6.</summary>
    public static RouteEntry? Read(NetlinkMessage message)
    {
        if (message.Payload.Length < Unsafe.SizeOf<rtmsg>())
        {
            throw new NetlinkParseException($"rtmsg: message type {message.Type} carries {message.Payload.Length} bytes, needs {Unsafe.SizeOf<rtmsg>()}");
        }
        var rt = MemoryMarshal.Read<rtmsg>(message.Payload);
        var family = XfrmAddress.Family(rt.rtm_family);
        if (family == AddressFamily.Unspecified)
        {
            return null;
        }
        int addressLength = family == AddressFamily.InterNetwork ? 4 : 16;
        if (rt.rtm_dst_len > addressLength * 8)
        {
            throw new NetlinkParseException($"rtmsg: destination length {rt.rtm_dst_len} exceeds {addressLength * 8}");
        }
        IPAddress destination = family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
        IPAddress? gateway = null;
        int oif = 0;
        uint priority = 0;
        uint table = rt.rtm_table;
        foreach (var attribute in message.AttributesAfter(Unsafe.SizeOf<rtmsg>()))
        {
            switch (attribute.Type)
            {
                case RtnetlinkConstants.RTA_DST:
                    destination = Address(attribute.Value, addressLength, "RTA_DST");
                    break;
                case RtnetlinkConstants.RTA_GATEWAY:
                    gateway = Address(attribute.Value, addressLength, "RTA_GATEWAY");
                    break;
                case RtnetlinkConstants.RTA_OIF:
                    oif = (int)attribute.ReadUInt32();
                    break;
                case RtnetlinkConstants.RTA_TABLE:
                    table = attribute.ReadUInt32();
                    break;
                case RtnetlinkConstants.RTA_PRIORITY:
                    priority = attribute.ReadUInt32();
                    break;
                case RtnetlinkConstants.RTA_VIA:
                    gateway = Via(attribute.Value);
                    break;
                case RtnetlinkConstants.RTA_MULTIPATH:
                    (gateway, oif) = FirstHop(attribute.Value, addressLength, gateway, oif);
                    break;
                default:
                    break;
            }
        }
        return new RouteEntry(new IpPrefix(destination, rt.rtm_dst_len), gateway, oif, table, rt.rtm_type, priority);
    }

    /// <summary>The first struct rtnexthop of RTA_MULTIPATH (len u16, flags u8, hops u8, ifindex s32, then attributes).</summary>
    private static (IPAddress? Gateway, int Oif) FirstHop(ReadOnlySpan<byte> value, int addressLength, IPAddress? gateway, int oif)
    {
        const int RtnexthopSize = 8;
        if (value.Length < RtnexthopSize)
        {
            return (gateway, oif);
        }
        int length = MemoryMarshal.Read<ushort>(value);
        if (length < RtnexthopSize || length > value.Length)
        {
            throw new NetlinkParseException($"rtnexthop declares length {length}, {value.Length} bytes left");
        }
        int ifindex = MemoryMarshal.Read<int>(value[4..]);
        foreach (var attribute in new NetlinkAttributeReader(value[RtnexthopSize..length]))
        {
            if (attribute.Type == RtnetlinkConstants.RTA_GATEWAY)
            {
                gateway = Address(attribute.Value, addressLength, "RTA_GATEWAY");
            }
            else if (attribute.Type == RtnetlinkConstants.RTA_VIA)
            {
                gateway = Via(attribute.Value);
            }
        }
        return (gateway, ifindex);
    }

    /// <summary>struct rtvia: a u16 family, then the address (an IPv4 route via an IPv6 gateway, RFC 8950 style).</summary>
    private static IPAddress Via(ReadOnlySpan<byte> value)
    {
        if (value.Length < 2)
        {
            throw new NetlinkParseException($"RTA_VIA: {value.Length} bytes, needs a family");
        }
        var family = XfrmAddress.Family(MemoryMarshal.Read<ushort>(value));
        return family switch
        {
            AddressFamily.InterNetwork => Address(value[2..], 4, "RTA_VIA"),
            AddressFamily.InterNetworkV6 => Address(value[2..], 16, "RTA_VIA"),
            _ => throw new NetlinkParseException($"RTA_VIA: address family {MemoryMarshal.Read<ushort>(value)}"),
        };
    }

    private static IPAddress Address(ReadOnlySpan<byte> value, int length, string what) => value.Length == length
        ? new IPAddress(value)
        : throw new NetlinkParseException($"{what}: {value.Length} bytes, expected {length}");
}
