using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_algo_auth (72 bytes + key): XFRMA_ALG_AUTH_TRUNC; key and truncation lengths in bits, the key follows.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_algo_auth
{
    public xfrm_alg_name alg_name;
    public uint alg_key_len;
    public uint alg_trunc_len;
}
