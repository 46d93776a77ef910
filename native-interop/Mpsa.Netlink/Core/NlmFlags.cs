#pragma warning disable CA1069 // the kernel gives a bit different meanings for requests (EXCL, MATCH) and acks (ACK_TLVS, CAPPED)
namespace Mpsa.Netlink.Core;

/// <summary>nlmsghdr.nlmsg_flags (linux/netlink.h).</summary>
[Flags]
internal enum NlmFlags : ushort
{
    None = 0,
    NLM_F_REQUEST = 0x1,
    NLM_F_MULTI = 0x2,
    NLM_F_ACK = 0x4,
    NLM_F_ECHO = 0x8,
    NLM_F_DUMP_INTR = 0x10,
    /// <summary>GET requests: NLM_F_ROOT | NLM_F_MATCH.</summary>
    NLM_F_DUMP = 0x300,
    /// <summary>NEW requests: fail when the object exists (same bit as NLM_F_MATCH).</summary>
    NLM_F_EXCL = 0x200,
    NLM_F_CREATE = 0x400,
    /// <summary>In an NLMSG_ERROR: extended-ack TLVs follow the nlmsgerr.</summary>
    NLM_F_ACK_TLVS = 0x200,
    /// <summary>In an NLMSG_ERROR: the request was not echoed (NETLINK_CAP_ACK).</summary>
    NLM_F_CAPPED = 0x100,
}
