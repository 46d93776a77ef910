using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.Xfrm;

/// <summary>What a dumped or fetched state tells us: its key, reqid, mark, counters (xfrm_usersa_info.curlft), mode and UDP encapsulation. Never keys.</summary>
internal sealed record XfrmStateEntry(XfrmStateId Id, uint ReqId, XfrmMark? Mark, ulong Packets, ulong Bytes, XfrmMode Mode = XfrmMode.Transport, XfrmEncap? Encap = null);
