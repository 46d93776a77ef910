using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_userspi_info (232 bytes): XFRM_MSG_ALLOCSPI, the larval state and the SPI range (host order).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_userspi_info
{
    public xfrm_usersa_info info;
    public uint min;
    public uint max;
}
