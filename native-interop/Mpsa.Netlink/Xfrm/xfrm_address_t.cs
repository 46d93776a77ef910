using System.Runtime.CompilerServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>xfrm_address_t (linux/xfrm.h): 16 bytes, 4-aligned (a union of __be32 a4, a6[4] and in6_addr); network byte order, IPv4 in the first 4 bytes.</summary>
[InlineArray(4)]
internal struct xfrm_address_t
{
    private uint _a;
}
