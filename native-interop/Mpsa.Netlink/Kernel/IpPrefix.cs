using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mpsa.Netlink.Kernel;

/// <summary>An address and prefix length, as in an XFRM selector ("10.1.0.0/16", "::/0"). Host bits are kept as given.</summary>
internal sealed record IpPrefix
{
    public IpPrefix(IPAddress address, int length)
    {
        ArgumentNullException.ThrowIfNull(address);
        int max = MaxLength(address.AddressFamily);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, max);
        Address = address;
        Length = length;
    }

    public IPAddress Address { get; }

    public int Length { get; }

    public AddressFamily Family => Address.AddressFamily;

    /// <summary>0.0.0.0/0 or ::/0.</summary>
    public static IpPrefix Any(AddressFamily family) =>
        new(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);

    /// <summary>A /32 or /128 for one address.</summary>
    public static IpPrefix Host(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new(address, MaxLength(address.AddressFamily));
    }

    /// <summary>"a.b.c.d/n", "x::y/n", or a bare address (a host prefix).</summary>
    public static IpPrefix Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return Host(IPAddress.Parse(text));
        }
        var address = IPAddress.Parse(text.AsSpan(0, slash));
        return new(address, int.Parse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture));
    }

    /// <summary>True when <paramref name="address"/> lies inside this prefix.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != Family)
        {
            return false;
        }
        Span<byte> a = stackalloc byte[16];
        Span<byte> p = stackalloc byte[16];
        address.TryWriteBytes(a, out int n);
        Address.TryWriteBytes(p, out _);
        int full = Length / 8, rest = Length % 8;
        if (!a[..full].SequenceEqual(p[..full]))
        {
            return false;
        }
        if (rest == 0 || full >= n)
        {
            return true;
        }
        int mask = 0xff << (8 - rest) & 0xff;
        return (a[full] & mask) == (p[full] & mask);
    }

    private static int MaxLength(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => 32,
        AddressFamily.InterNetworkV6 => 128,
        _ => throw new ArgumentException($"not an IP address family: {family}", nameof(family)),
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Address}/{Length}");
}
