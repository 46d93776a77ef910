using System.Runtime.CompilerServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>char alg_name[64] of xfrm_algo, xfrm_algo_auth and xfrm_algo_aead: a NUL-terminated crypto API name.</summary>
[InlineArray(64)]
internal struct xfrm_alg_name
{
    private byte _c;
}
