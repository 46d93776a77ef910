namespace Mpsa.Netlink.Xfrm;

/// <summary>enum xfrm_nlgroups (linux/xfrm.h): multicast groups of NETLINK_XFRM; bind mask bit is group - 1.</summary>
internal enum XfrmGroup
{
    XFRMNLGRP_ACQUIRE = 1,
    XFRMNLGRP_EXPIRE = 2,
    XFRMNLGRP_SA = 3,
    XFRMNLGRP_POLICY = 4,
}
