namespace Mpsa.Ike.Wire;

// IANA "Internet Key Exchange Version 2 (IKEv2) Parameters" registries, spelled as registered.
// Unknown values pass through as plain numbers; every switch over them has a default arm.

/// <summary>RFC 7296 §3.1 Exchange Types.</summary>
public enum ExchangeType : byte
{
    IKE_SA_INIT = 34,
    IKE_AUTH = 35,
    CREATE_CHILD_SA = 36,
    INFORMATIONAL = 37,
    /// <summary>RFC 9242: between IKE_SA_INIT and IKE_AUTH; carries the additional key exchanges of RFC 9370.</summary>
    IKE_INTERMEDIATE = 43,
    /// <summary>RFC 9370 §2.2.4: the additional key exchanges of a CREATE_CHILD_SA, one per exchange, on the SA it ran on.</summary>
    IKE_FOLLOWUP_KE = 44,
}

/// <summary>RFC 7296 §3.2 Payload Types, by their registry abbreviations.</summary>
public enum PayloadType : byte
{
    NoNextPayload = 0,
    SA = 33,
    KE = 34,
    IDi = 35,
    IDr = 36,
    CERT = 37,
    CERTREQ = 38,
    AUTH = 39,
    NONCE = 40,
    N = 41,
    D = 42,
    V = 43,
    TSi = 44,
    TSr = 45,
    SK = 46,
    CP = 47,
    EAP = 48,
    SKF = 53,
}

/// <summary>RFC 7296 §3.3.2 Transform Types, plus the MPSA types of draft §3.2.2.</summary>
public enum TransformType : byte
{
    ENCR = 1,
    PRF = 2,
    INTEG = 3,
    DH = 4,
    ESN = 5,
    ADDKE1 = 6,
    ADDKE2 = 7,
    ADDKE3 = 8,
    ADDKE4 = 9,
    ADDKE5 = 10,
    ADDKE6 = 11,
    ADDKE7 = 12,
    NONCE = 241,
    SKD = 242,
    LIFE = 243,
    ROLL1 = 244,
    ROLL2 = 245,
}

/// <summary>Transform Type 1 IDs.</summary>
public enum EncrId : ushort
{
    ENCR_3DES = 3,
    ENCR_NULL = 11,
    ENCR_AES_CBC = 12,
    ENCR_AES_CTR = 13,
    ENCR_AES_GCM_8 = 18,
    ENCR_AES_GCM_12 = 19,
    ENCR_AES_GCM_16 = 20,
    ENCR_CHACHA20_POLY1305 = 28,
}

/// <summary>Transform Type 2 IDs.</summary>
public enum PrfId : ushort
{
    PRF_HMAC_MD5 = 1,
    PRF_HMAC_SHA1 = 2,
    PRF_AES128_XCBC = 4,
    PRF_HMAC_SHA2_256 = 5,
    PRF_HMAC_SHA2_384 = 6,
    PRF_HMAC_SHA2_512 = 7,
}

/// <summary>Transform Type 3 IDs.</summary>
public enum IntegId : ushort
{
    NONE = 0,
    AUTH_HMAC_MD5_96 = 1,
    AUTH_HMAC_SHA1_96 = 2,
    AUTH_AES_XCBC_96 = 5,
    AUTH_HMAC_SHA2_256_128 = 12,
    AUTH_HMAC_SHA2_384_192 = 13,
    AUTH_HMAC_SHA2_512_256 = 14,
}

/// <summary>Transform Type 4 IDs (Key Exchange Method / Diffie-Hellman group).</summary>
public enum DhGroup : ushort
{
    NONE = 0,
    MODP_1024 = 2,
    MODP_2048 = 14,
    ECP_256 = 19,
    ECP_384 = 20,
    CURVE25519 = 31,
    ML_KEM_512 = 35,
    ML_KEM_768 = 36,
    ML_KEM_1024 = 37,
}

/// <summary>Transform Type 5 IDs.</summary>
public enum EsnId : ushort
{
    NO_ESN = 0,
    ESN = 1,
}

/// <summary>Transform attribute types (RFC 7296 §3.3.5), plus the MPSA attributes of draft §3.2.2.</summary>
public enum TransformAttributeType : ushort
{
    KeyLength = 14,
    NonceValue = 16384,
    SkDValue = 16385,
    LifetimeValue = 16386,
    Rollover1Value = 16387,
    Rollover2Value = 16388,
}

/// <summary>RFC 7296 §3.3.1 Security Protocol Identifiers.</summary>
public enum ProtocolId : byte
{
    NONE = 0,
    IKE = 1,
    AH = 2,
    ESP = 3,
}

/// <summary>RFC 7296 §3.5 ID Types.</summary>
public enum IdType : byte
{
    ID_IPV4_ADDR = 1,
    ID_FQDN = 2,
    ID_RFC822_ADDR = 3,
    ID_IPV6_ADDR = 5,
    ID_DER_ASN1_DN = 9,
    ID_DER_ASN1_GN = 10,
    ID_KEY_ID = 11,
}

/// <summary>RFC 7296 §3.8 Authentication Methods (+ RFC 7427).</summary>
public enum AuthMethod : byte
{
    RSA_DIGITAL_SIGNATURE = 1,
    SHARED_KEY_MESSAGE_INTEGRITY_CODE = 2,
    DSS_DIGITAL_SIGNATURE = 3,
    ECDSA_SHA256_P256 = 9,
    ECDSA_SHA384_P384 = 10,
    ECDSA_SHA512_P521 = 11,
    DIGITAL_SIGNATURE = 14,
}

/// <summary>RFC 7296 §3.6 Certificate Encodings.</summary>
public enum CertEncoding : byte
{
    PKCS7_WRAPPED_X509 = 1,
    X509_CERTIFICATE_SIGNATURE = 4,
    CRL = 7,
    RAW_RSA_KEY = 11,
    HASH_AND_URL_X509_CERTIFICATE = 12,
}

/// <summary>RFC 7296 §3.13.1 Traffic Selector Types.</summary>
public enum TsType : byte
{
    TS_IPV4_ADDR_RANGE = 7,
    TS_IPV6_ADDR_RANGE = 8,
}

/// <summary>RFC 7296 §3.10.1 Notify Message Types (error types below 16384, status types above), plus MPSA_PUT.</summary>
public enum NotifyType : ushort
{
    UNSUPPORTED_CRITICAL_PAYLOAD = 1,
    INVALID_IKE_SPI = 4,
    INVALID_MAJOR_VERSION = 5,
    INVALID_SYNTAX = 7,
    INVALID_MESSAGE_ID = 9,
    INVALID_SPI = 11,
    NO_PROPOSAL_CHOSEN = 14,
    INVALID_KE_PAYLOAD = 17,
    AUTHENTICATION_FAILED = 24,
    SINGLE_PAIR_REQUIRED = 34,
    NO_ADDITIONAL_SAS = 35,
    INTERNAL_ADDRESS_FAILURE = 36,
    FAILED_CP_REQUIRED = 37,
    TS_UNACCEPTABLE = 38,
    INVALID_SELECTORS = 39,
    /// <summary>RFC 4555 §3.5: the responder does not take the request's addresses.</summary>
    UNACCEPTABLE_ADDRESSES = 40,
    /// <summary>RFC 4555 §3.9: a NAT where NO_NATS_ALLOWED said there must be none.</summary>
    UNEXPECTED_NAT_DETECTED = 41,
    TEMPORARY_FAILURE = 43,
    CHILD_SA_NOT_FOUND = 44,
    /// <summary>RFC 9370 §2.2.4: an IKE_FOLLOWUP_KE names a CREATE_CHILD_SA exchange the responder does not hold.</summary>
    STATE_NOT_FOUND = 47,
    INITIAL_CONTACT = 16384,
    SET_WINDOW_SIZE = 16385,
    ADDITIONAL_TS_POSSIBLE = 16386,
    IPCOMP_SUPPORTED = 16387,
    NAT_DETECTION_SOURCE_IP = 16388,
    NAT_DETECTION_DESTINATION_IP = 16389,
    COOKIE = 16390,
    USE_TRANSPORT_MODE = 16391,
    REKEY_SA = 16393,
    ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
    /// <summary>RFC 4478: the responder wants the initiator to reauthenticate within this many seconds.</summary>
    AUTH_LIFETIME = 16403,
    /// <summary>RFC 6023: the responder takes an IKE_AUTH without SA, TSi and TSr (an IKE SA with no CHILD_SA).</summary>
    CHILDLESS_IKEV2_SUPPORTED = 16418,
    NON_FIRST_FRAGMENTS_ALSO = 16395,
    /// <summary>RFC 4555: both sides of IKE_AUTH announce MOBIKE; the initiator may then move the IKE SA.</summary>
    MOBIKE_SUPPORTED = 16396,
    /// <summary>RFC 4555 §3.5: the initiator's addresses changed; the responder takes the request's addresses.</summary>
    UPDATE_SA_ADDRESSES = 16400,
    /// <summary>RFC 4555 §3.5: echoed by the responder, so a stale or spoofed answer is told apart.</summary>
    COOKIE2 = 16401,
    /// <summary>RFC 4555 §3.7: the responder does not allow NATs on this IKE SA.</summary>
    NO_NATS_ALLOWED = 16402,
    IKEV2_FRAGMENTATION_SUPPORTED = 16430,
    SIGNATURE_HASH_ALGORITHMS = 16431,
    /// <summary>RFC 9242 §3.1: both sides of IKE_SA_INIT announce IKE_INTERMEDIATE.</summary>
    INTERMEDIATE_EXCHANGE_SUPPORTED = 16438,
    /// <summary>RFC 9370 §2.2.4: links a CREATE_CHILD_SA to the IKE_FOLLOWUP_KE exchanges that complete it.</summary>
    ADDITIONAL_KEY_EXCHANGE = 16441,
    MPSA_PUT = 40960,
}

/// <summary>RFC 7296 §3.1 header flags.</summary>
[Flags]
public enum IkeFlags : byte
{
    None = 0,
    Initiator = 0x08,
    Version = 0x10,
    Response = 0x20,
}
