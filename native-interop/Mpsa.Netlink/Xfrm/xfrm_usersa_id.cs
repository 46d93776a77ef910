using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_usersa_id (24 bytes): the key of DELSA/GETSA; SPI network order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_usersa_id
{
    public xfrm_address_t daddr;
    public uint spi;
    public ushort family;
    public byte proto;
}
