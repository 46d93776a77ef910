namespace Mpsa.Netlink.Xfrm;

/// <summary>XFRM_MSG_* (linux/xfrm.h), the nlmsg_type of NETLINK_XFRM messages.</summary>
internal enum XfrmMsgType : ushort
{
    XFRM_MSG_NEWSA = 16,
    XFRM_MSG_DELSA = 17,
    XFRM_MSG_GETSA = 18,
    XFRM_MSG_NEWPOLICY = 19,
    XFRM_MSG_DELPOLICY = 20,
    XFRM_MSG_GETPOLICY = 21,
    XFRM_MSG_ALLOCSPI = 22,
    XFRM_MSG_ACQUIRE = 23,
    XFRM_MSG_EXPIRE = 24,
    XFRM_MSG_UPDPOLICY = 25,
    XFRM_MSG_UPDSA = 26,
    XFRM_MSG_POLEXPIRE = 27,
    XFRM_MSG_FLUSHSA = 28,
    XFRM_MSG_FLUSHPOLICY = 29,
}
