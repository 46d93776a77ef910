using System.Globalization;
using System.Net.Sockets;

namespace Mpsa.Netlink.Kernel;

/// <summary>struct xfrm_selector: which packets a policy covers. Ports 0 mean any; <see cref="ProtocolType.Unspecified"/> means any protocol.</summary>
internal sealed record XfrmSelector(
    IpPrefix Source,
    IpPrefix Destination,
    ProtocolType Protocol = ProtocolType.Unspecified,
    ushort SourcePort = 0,
    ushort DestinationPort = 0)
{
    /// <summary>Everything of one address family (0.0.0.0/0 or ::/0 both ways).</summary>
    public static XfrmSelector Any(AddressFamily family) => new(IpPrefix.Any(family), IpPrefix.Any(family));

    public AddressFamily Family => Source.Family;

    public override string ToString()
    {
        string s = $"src {Source} dst {Destination}";
        if (Protocol != ProtocolType.Unspecified)
        {
            s += " proto " + XfrmAlgorithms.ProtocolName(Protocol);
        }
        if (SourcePort != 0)
        {
            s += string.Create(CultureInfo.InvariantCulture, $" sport {SourcePort}");
        }
        if (DestinationPort != 0)
        {
            s += string.Create(CultureInfo.InvariantCulture, $" dport {DestinationPort}");
        }
        return s;
    }
}
