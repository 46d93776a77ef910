using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_selector (56 bytes): ports network order (0 with mask 0 = any), family/proto/prefix lengths host order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_selector
{
    public xfrm_address_t daddr;
    public xfrm_address_t saddr;
    public ushort dport;
    public ushort dport_mask;
    public ushort sport;
    public ushort sport_mask;
    public ushort family;
    public byte prefixlen_d;
    public byte prefixlen_s;
    public byte proto;
    public int ifindex;
    public uint user;
}
