using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Mpsa.Sockets;

/// <summary>
/// Linux socket addresses as bytes: sockaddr_in (16), sockaddr_in6 (28) and sockaddr_un (the path, NUL-terminated).
/// The family is in host order, the port in network order; the layout <see cref="SocketAddress"/> holds on Linux.
/// </summary>
internal static class SocketAddresses
{
    /// <summary>Room for any address here: sockaddr_un is the largest (110 bytes).</summary>
    public const int MaxLength = 112;

    public const int InetLength = 16;

    public const int Inet6Length = 28;

    private const ushort AfUnix = 1, AfInet = 2, AfInet6 = 10;
    private const int MaxUnixPathBytes = 107;   // sun_path[108] with its NUL

    /// <summary>
    /// Writes <paramref name="endpoint"/> for a socket of <paramref name="socketFamily"/> (an IPv4 address as
    /// ::ffff:a.b.c.d on an IPv6 socket); the length written.
    /// </summary>
    public static int Write(IPEndPoint endpoint, AddressFamily socketFamily, Span<byte> into)
    {
        var address = endpoint.Address;
        if (socketFamily == AddressFamily.InterNetworkV6 && address.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv6();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            into[..InetLength].Clear();
            MemoryMarshal.Write(into, AfInet);
            BinaryPrimitives.WriteUInt16BigEndian(into[2..], (ushort)endpoint.Port);
            address.TryWriteBytes(into[4..8], out _);
            return InetLength;
        }
        into[..Inet6Length].Clear();
        MemoryMarshal.Write(into, AfInet6);
        BinaryPrimitives.WriteUInt16BigEndian(into[2..], (ushort)endpoint.Port);
        address.TryWriteBytes(into[8..24], out _);
        MemoryMarshal.Write(into[24..], (uint)address.ScopeId);
        return Inet6Length;
    }

    /// <summary>Writes a sockaddr_un for <paramref name="path"/>; throws <see cref="ArgumentException"/> when it is too long.</summary>
    public static int WriteUnix(string path, Span<byte> into)
    {
        int length = Encoding.UTF8.GetByteCount(path);
        if (length > MaxUnixPathBytes)
        {
            throw new ArgumentException($"the socket path {path} is longer than {MaxUnixPathBytes} bytes", nameof(path));
        }
        into[..(2 + length + 1)].Clear();
        MemoryMarshal.Write(into, AfUnix);
        Encoding.UTF8.GetBytes(path, into[2..]);
        return 2 + length + 1;
    }

    /// <summary>An IPv4 or IPv6 socket address as an endpoint; null for another family or a short one.</summary>
    public static IPEndPoint? Read(ReadOnlySpan<byte> address)
    {
        if (address.Length < 2)
        {
            return null;
        }
        ushort family = MemoryMarshal.Read<ushort>(address);
        if (family == AfInet && address.Length >= 8)
        {
            return new IPEndPoint(new IPAddress(address[4..8]), BinaryPrimitives.ReadUInt16BigEndian(address[2..]));
        }
        if (family == AfInet6 && address.Length >= Inet6Length)
        {
            long scope = MemoryMarshal.Read<uint>(address[24..]);
            return new IPEndPoint(new IPAddress(address[8..24], scope), BinaryPrimitives.ReadUInt16BigEndian(address[2..]));
        }
        return null;
    }
}
