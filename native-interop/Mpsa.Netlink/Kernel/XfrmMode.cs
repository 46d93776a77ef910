namespace Mpsa.Netlink.Kernel;

/// <summary>XFRM_MODE_* (linux/xfrm.h); only the two ESP modes the agent uses.</summary>
internal enum XfrmMode : byte
{
    Transport = 0,
    Tunnel = 1,
}
