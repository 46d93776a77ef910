using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.Xfrm;

/// <summary>What a dumped policy tells us: its key and the reqid of its first template (0 without one).</summary>
internal sealed record XfrmPolicyEntry(XfrmPolicyId Id, uint ReqId);
