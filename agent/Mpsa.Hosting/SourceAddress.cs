using System.Net;
using System.Net.Sockets;
using Mpsa.Sockets;

namespace Mpsa.Hosting;

/// <summary>The source address the routing table picks towards a destination (a connected UDP socket sends nothing).</summary>
public static class SourceAddress
{
    /// <summary>0.0.0.0 or ::, the wildcard address of either family.</summary>
    public static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    /// <summary>Null when no route leads there.</summary>
    public static IPAddress? Towards(IPAddress destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        try
        {
            using var probe = PosixSocket.Udp(destination.AddressFamily);
            probe.Connect(new IPEndPoint(destination, 9));
            var address = probe.LocalEndPoint.Address;
            return IsAny(address) ? null : address;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
