using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_userpolicy_id (64 bytes): the key of DELPOLICY/GETPOLICY (selector and direction, or index).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_userpolicy_id
{
    public xfrm_selector sel;
    public uint index;
    public byte dir;
}
