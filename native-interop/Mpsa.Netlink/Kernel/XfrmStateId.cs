using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mpsa.Ike.Wire;

namespace Mpsa.Netlink.Kernel;

/// <summary>The key the kernel finds a state by (struct xfrm_usersa_id): destination address, SPI and protocol.</summary>
internal sealed record XfrmStateId(IPAddress Destination, EspSpi Spi, ProtocolType Protocol = ProtocolType.IPSecEncapsulatingSecurityPayload)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"dst {Destination} spi 0x{Spi.Value:x8} {XfrmAlgorithms.ProtocolName(Protocol)}");
}
