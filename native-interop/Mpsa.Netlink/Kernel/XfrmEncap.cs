using System.Globalization;

namespace Mpsa.Netlink.Kernel;

/// <summary>
/// ESP in UDP (RFC 3948, UDP_ENCAP_ESPINUDP) for a state whose peer sits behind a NAT: the kernel sends the state's
/// packets from <see cref="SourcePort"/> to <see cref="DestinationPort"/> and takes them back on a socket with
/// UDP_ENCAP set (the IKE daemon's port-4500 socket).
/// </summary>
internal sealed record XfrmEncap(ushort SourcePort, ushort DestinationPort)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"encap espinudp {SourcePort} {DestinationPort}");
}
