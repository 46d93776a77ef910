using System.Globalization;
using System.Net;
using Mpsa.Ike.Wire;

namespace Mpsa.Netlink.Kernel;

/// <summary>
/// struct xfrm_user_tmpl: the state a policy requires. In tunnel mode the endpoints are the outer addresses; a null
/// source lets the kernel pick; SPI 0 matches any state with the same endpoints and reqid.
/// </summary>
internal sealed record XfrmTemplate(IPAddress? TunnelSource, IPAddress? TunnelDestination, uint ReqId, XfrmMode Mode, uint Spi = 0)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"tmpl src {TunnelSource?.ToString() ?? "any"} dst {TunnelDestination?.ToString() ?? "any"} esp {EnumText.LowerOf(Mode)} reqid 0x{ReqId:x}")
        + (Spi != 0 ? string.Create(CultureInfo.InvariantCulture, $" spi 0x{Spi:x8}") : string.Empty);
}
