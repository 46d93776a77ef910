namespace Mpsa.Ike.Wire;

/// <summary>IKEv2 Hash Algorithms registry (RFC 7427 §7), carried in N(SIGNATURE_HASH_ALGORITHMS).</summary>
public enum SignatureHash : ushort
{
    SHA1 = 1,
    SHA2_256 = 2,
    SHA2_384 = 3,
    SHA2_512 = 4,
    IDENTITY = 5,
}
