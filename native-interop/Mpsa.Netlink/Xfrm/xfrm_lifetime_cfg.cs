using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_lifetime_cfg (64 bytes): limits; <see cref="XFRM_INF"/> means none.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_lifetime_cfg
{
    public const ulong XFRM_INF = ulong.MaxValue;

    public ulong soft_byte_limit;
    public ulong hard_byte_limit;
    public ulong soft_packet_limit;
    public ulong hard_packet_limit;
    public ulong soft_add_expires_seconds;
    public ulong hard_add_expires_seconds;
    public ulong soft_use_expires_seconds;
    public ulong hard_use_expires_seconds;

    /// <summary>No byte or packet limits, and these add-expire times (0 = none), as iproute2 and strongSwan send.</summary>
    public static xfrm_lifetime_cfg Infinite(ulong softAddSeconds = 0, ulong hardAddSeconds = 0) => new()
    {
        soft_byte_limit = XFRM_INF,
        hard_byte_limit = XFRM_INF,
        soft_packet_limit = XFRM_INF,
        hard_packet_limit = XFRM_INF,
        soft_add_expires_seconds = softAddSeconds,
        hard_add_expires_seconds = hardAddSeconds,
    };
}
