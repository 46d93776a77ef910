using System.Net;

namespace Mpsa.Netlink.Kernel;

/// <summary>XFRM_MSG_ACQUIRE: a packet hit an out policy whose template has no state, here from its tunnel source to destination.</summary>
internal sealed record AcquireRequested(XfrmPolicyId Policy, IPAddress? Source, IPAddress Destination, uint ReqId) : KernelEvent;
