using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_user_expire (232 bytes): XFRM_MSG_EXPIRE, the state and whether the hard limit was hit.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_user_expire
{
    public xfrm_usersa_info state;
    public byte hard;
}
