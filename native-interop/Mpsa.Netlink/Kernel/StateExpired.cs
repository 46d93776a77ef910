namespace Mpsa.Netlink.Kernel;

/// <summary>XFRM_MSG_EXPIRE: a state reached its soft limit, or its hard limit (then the kernel has deleted it).</summary>
internal sealed record StateExpired(XfrmStateId State, uint ReqId, bool Hard) : KernelEvent;
