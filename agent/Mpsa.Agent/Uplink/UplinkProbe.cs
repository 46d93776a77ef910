using System.Net;
using System.Net.Sockets;
using Mpsa.Hosting;
using Mpsa.Sockets;

namespace Mpsa.Agent.Uplink;

/// <summary>What the routing table says now: the address IKE would leave from towards the controller, or what is missing.</summary>
internal readonly record struct UplinkState(IPAddress? Source, string? Missing)
{
    public bool IsUp => Source is not null;
}

/// <summary>Asks the kernel (no packet sent) whether the agent can reach its controller yet.</summary>
internal static class UplinkProbe
{
    /// <summary>Up when the configured local address (if any) is assigned to an interface and a route leads to the controller.</summary>
    public static UplinkState Now(IPAddress controller, IPAddress? configuredLocal)
    {
        if (configuredLocal is not null && !SourceAddress.IsAny(configuredLocal) && !Assigned(configuredLocal))
        {
            return new(null, $"local_address {configuredLocal} is on no interface yet");
        }
        var source = SourceAddress.Towards(controller);
        if (source is null)
        {
            return new(null, $"no route towards the controller {controller}");
        }
        return new(configuredLocal is null || SourceAddress.IsAny(configuredLocal) ? source : configuredLocal, null);
    }

    /// <summary>False while no interface has the address (or IPv6 duplicate address detection has not finished).</summary>
    private static bool Assigned(IPAddress address)
    {
        try
        {
            using var probe = PosixSocket.Udp(address.AddressFamily);
            probe.Bind(new IPEndPoint(address, 0));
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            return false;
        }
    }
}
