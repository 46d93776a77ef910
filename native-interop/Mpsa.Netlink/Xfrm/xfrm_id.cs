using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_id (24 bytes): destination, SPI (network order) and protocol, the key of a state.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_id
{
    public xfrm_address_t daddr;
    public uint spi;
    public byte proto;
}
