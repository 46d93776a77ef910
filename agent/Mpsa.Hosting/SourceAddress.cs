using System.Net;
using System.Net.Sockets;

namespace Mpsa.Hosting;

/// <summary>The source address the routing table picks towards a destination (a connected UDP socket sends nothing).</summary>
public static class SourceAddress
{
    /// <summary>Null when no route leads there.</summary>
    public static IPAddress? Towards(IPAddress destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        try
        {
            using var probe = new Socket(destination.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(new IPEndPoint(destination, 9));
            var address = ((IPEndPoint)probe.LocalEndPoint!).Address;
            return address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ? null : address;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
