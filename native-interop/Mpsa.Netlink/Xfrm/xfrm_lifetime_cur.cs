using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_lifetime_cur (32 bytes): what a state has processed so far.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_lifetime_cur
{
    public ulong bytes;
    public ulong packets;
    public ulong add_time;
    public ulong use_time;
}
