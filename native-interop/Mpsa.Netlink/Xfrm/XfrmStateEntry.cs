using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.Xfrm;

/// <summary>What a dumped or fetched state tells us: its key, reqid, mark and counters (xfrm_usersa_info.curlft). Never keys.</summary>
internal sealed record XfrmStateEntry(XfrmStateId Id, uint ReqId, XfrmMark? Mark, ulong Packets, ulong Bytes);
