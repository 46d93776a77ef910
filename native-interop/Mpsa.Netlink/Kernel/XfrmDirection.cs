namespace Mpsa.Netlink.Kernel;

/// <summary>XFRM_POLICY_IN/OUT/FWD (linux/xfrm.h).</summary>
internal enum XfrmDirection : byte
{
    In = 0,
    Out = 1,
    Fwd = 2,
}
