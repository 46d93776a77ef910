using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// The algorithms of an ESP SA (a CHILD_SA or the MPSA): ENCR_AES_CBC (128/192/256) with an INTEG, or
/// ENCR_AES_GCM_16 (128/192/256) / ENCR_CHACHA20_POLY1305 (256) with <see cref="IntegId.NONE"/>.
/// The kernel does the ESP cryptography; this type only sizes the keys.
/// </summary>
public sealed record EspSuite(EncrId Encr, int EncrKeyBits, IntegId Integ)
{
    /// <summary>Encryption key length in bytes, including the 4-byte salt for AES-GCM (RFC 4106 §8.1) and ChaCha20-Poly1305 (RFC 7634 §2).</summary>
    public int EncrKeyLength => IkeSuite.EncrKeyLengthOf(Encr, EncrKeyBits);

    /// <summary>20 (SHA1_96), 32 (SHA2_256_128), 48 (SHA2_384_192), 64 (SHA2_512_256); 0 for AEAD.</summary>
    public int IntegKeyLength => Integrity.KeyLength(Integ);

    public bool IsAead => IkeSuite.IsAeadCipher(Encr);

    /// <summary>
    /// A counter-mode AEAD whose key material ends with a 4-byte salt and whose ESP IV is 8 bytes (AES-GCM, RFC 4106;
    /// ChaCha20-Poly1305, RFC 7634): XFRM takes these as "rfc4106(gcm(aes))" / "rfc7539esp(chacha20,poly1305)" with the salt appended to the key.
    /// </summary>
    public bool IsCounterModeAead => IsAead;

    public bool IsSupported => IkeSuite.IsEncrIntegSupported(Encr, EncrKeyBits, Integ);

    /// <summary>"AES_GCM_16_256", "AES_CBC_128/HMAC_SHA2_256_128", "CHACHA20_POLY1305".</summary>
    public override string ToString() => Integ == IntegId.NONE
        ? IkeSuite.EncrName(Encr, EncrKeyBits)
        : $"{IkeSuite.EncrName(Encr, EncrKeyBits)}/{Integ.ToString().Replace("AUTH_", string.Empty, StringComparison.Ordinal)}";
}
