using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_stats (12 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_stats
{
    public uint replay_window;
    public uint replay;
    public uint integrity_failed;
}
