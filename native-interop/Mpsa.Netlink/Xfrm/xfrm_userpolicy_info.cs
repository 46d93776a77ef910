using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_userpolicy_info (168 bytes): the fixed part of NEWPOLICY/UPDPOLICY and of a dumped policy.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_userpolicy_info
{
    public const byte XFRM_POLICY_ALLOW = 0;
    public const byte XFRM_POLICY_BLOCK = 1;

    public xfrm_selector sel;
    public xfrm_lifetime_cfg lft;
    public xfrm_lifetime_cur curlft;
    public uint priority;
    public uint index;
    public byte dir;
    public byte action;
    public byte flags;
    public byte share;
}
