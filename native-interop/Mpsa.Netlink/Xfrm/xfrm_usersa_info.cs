using System.Runtime.InteropServices;

namespace Mpsa.Netlink.Xfrm;

/// <summary>struct xfrm_usersa_info (224 bytes on x86-64, arm64 and EABI arm, where u64 is 8-aligned): the fixed part of NEWSA/UPDSA and of a dumped state.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xfrm_usersa_info
{
    public xfrm_selector sel;
    public xfrm_id id;
    public xfrm_address_t saddr;
    public xfrm_lifetime_cfg lft;
    public xfrm_lifetime_cur curlft;
    public xfrm_stats stats;
    public uint seq;
    public uint reqid;
    public ushort family;
    public byte mode;
    public byte replay_window;
    public byte flags;
}
