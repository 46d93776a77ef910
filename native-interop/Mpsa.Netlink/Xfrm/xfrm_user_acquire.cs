using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_user_acquire (280 bytes): XFRM_MSG_ACQUIRE, the wanted state's id and source, the packet's selector and the policy.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_user_acquire
{
    public xfrm_id id;
    public xfrm_address_t saddr;
    public xfrm_selector sel;
    public xfrm_userpolicy_info policy;
    public uint aalgos;
    public uint ealgos;
    public uint calgos;
    public uint seq;
}
