using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_user_tmpl (64 bytes): one template of a policy (XFRMA_TMPL is an array of them).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_user_tmpl
{
    public xfrm_id id;
    public ushort family;
    public xfrm_address_t saddr;
    public uint reqid;
    public byte mode;
    public byte share;
    public byte optional;
    public uint aalgos;
    public uint ealgos;
    public uint calgos;
}
