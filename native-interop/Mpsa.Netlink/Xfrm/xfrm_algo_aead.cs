using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_algo_aead (72 bytes + key): XFRMA_ALG_AEAD; key (with salt) and ICV lengths in bits, the key follows.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_algo_aead
{
    public xfrm_alg_name alg_name;
    public uint alg_key_len;
    public uint alg_icv_len;
}
