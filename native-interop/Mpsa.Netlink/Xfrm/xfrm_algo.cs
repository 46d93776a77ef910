using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_algo (68 bytes + key): XFRMA_ALG_CRYPT; alg_key_len in bits, the key bytes follow.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_algo
{
    public xfrm_alg_name alg_name;
    public uint alg_key_len;
}
