using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>Converts between <see cref="IPAddress"/> and xfrm_address_t (network byte order; IPv4 in the first 4 bytes) and AF_* numbers.</summary>
internal static class XfrmAddress
{
    public const ushort AF_UNSPEC = 0;
    public const ushort AF_INET = 2;
    public const ushort AF_INET6 = 10;

    public static ushort Family(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => AF_INET,
        AddressFamily.InterNetworkV6 => AF_INET6,
        _ => throw new ArgumentException($"not an IP address family: {family}", nameof(family)),
    };

    public static AddressFamily Family(ushort family) => family switch
    {
        AF_INET => AddressFamily.InterNetwork,
        AF_INET6 => AddressFamily.InterNetworkV6,
        _ => AddressFamily.Unspecified,
    };

    /// <summary>An address as xfrm_address_t; null gives all zeroes ("any").</summary>
    public static xfrm_address_t From(IPAddress? address)
    {
        var result = default(xfrm_address_t);
        if (address is not null)
        {
            Span<uint> words = result;
            address.TryWriteBytes(MemoryMarshal.AsBytes(words), out _);
        }
        return result;
    }

    /// <summary>The address of family AF_INET/AF_INET6 held in <paramref name="address"/>.</summary>
    public static IPAddress ToAddress(in xfrm_address_t address, ushort family)
    {
        ReadOnlySpan<uint> words = address;
        var bytes = MemoryMarshal.AsBytes(words);
        return family switch
        {
            AF_INET => new IPAddress(bytes[..4]),
            AF_INET6 => new IPAddress(bytes),
            _ => throw new Core.NetlinkParseException($"address family {family} is neither AF_INET nor AF_INET6"),
        };
    }

    /// <summary>True when every byte is zero (the kernel's "any").</summary>
    public static bool IsAny(in xfrm_address_t address)
    {
        ReadOnlySpan<uint> words = address;
        return !words.ContainsAnyExcept(0u);
    }
}
