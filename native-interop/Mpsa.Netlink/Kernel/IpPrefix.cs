using System.Diagnostics.CodeAnalysis;
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
    public static IpPrefix Parse(string text) =>
        TryParse(text, out var prefix, out var problem) ? prefix : throw new FormatException(problem);

    /// <summary><see cref="Parse"/>, with what is wrong in words (the runtime's messages are resource keys in the agent).</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out IpPrefix? prefix, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        prefix = null;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text.AsSpan() : text.AsSpan(0, slash);
        if (!IPAddress.TryParse(addressText, out var address))
        {
            problem = $"'{addressText}' is not an IP address";
            return false;
        }
        int max = MaxLength(address.AddressFamily);
        int length = max;
        if (slash >= 0 && !(int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length) && length <= max))
        {
            problem = $"the prefix length after '/' must be a number from 0 to {max}";
            return false;
        }
        prefix = new(address, length);
        problem = null;
        return true;
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
