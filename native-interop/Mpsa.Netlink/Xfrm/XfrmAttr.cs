namespace Mpsa.Netlink.Xfrm;

/// <summary>enum xfrm_attr_type_t (linux/xfrm.h): the XFRMA_* attribute types we send or read.</summary>
internal enum XfrmAttr : ushort
{
    XFRMA_UNSPEC = 0,
    XFRMA_ALG_AUTH = 1,
    XFRMA_ALG_CRYPT = 2,
    XFRMA_ENCAP = 4,
    XFRMA_TMPL = 5,
    XFRMA_SA = 6,
    XFRMA_POLICY = 7,
    XFRMA_LTIME_VAL = 9,
    XFRMA_SRCADDR = 13,
    XFRMA_POLICY_TYPE = 16,
    XFRMA_ALG_AEAD = 18,
    XFRMA_ALG_AUTH_TRUNC = 20,
    XFRMA_MARK = 21,
    XFRMA_REPLAY_ESN_VAL = 23,
    XFRMA_SA_EXTRA_FLAGS = 24,
    XFRMA_PROTO = 25,
    XFRMA_IF_ID = 31,
    /// <summary>u8 XFRM_SA_DIR_IN (1) / XFRM_SA_DIR_OUT (2); Linux 6.10 and later. Older kernels ignore it.</summary>
    XFRMA_SA_DIR = 33,
}
