namespace Mpsa.Netlink.Kernel;

/// <summary>An unsolicited kernel message (XFRMNLGRP_EXPIRE / XFRMNLGRP_ACQUIRE multicast groups).</summary>
internal abstract record KernelEvent;
