using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_encap_tmpl (24 bytes): XFRMA_ENCAP; ports in network order, encap_oa the original address (unused).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_encap_tmpl
{
    public const ushort UDP_ENCAP_ESPINUDP = 2;

    public ushort encap_type;
    public ushort encap_sport;
    public ushort encap_dport;
    public xfrm_address_t encap_oa;
}
