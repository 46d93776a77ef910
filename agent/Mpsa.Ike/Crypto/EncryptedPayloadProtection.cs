using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>Builds the SK payload protection of one direction from the suite and that direction's keys.</summary>
public static class EncryptedPayloadProtection
{
    /// <summary>
    /// <paramref name="encrKey"/> is SK_ei or SK_er (<see cref="IkeSuite.EncrKeyLength"/> bytes, salt included);
    /// <paramref name="integKey"/> is SK_ai or SK_ar (empty for AEAD). The keys are copied.
    /// <paramref name="random"/> supplies CBC IVs, or the starting value of the AEAD IV counter.
    /// </summary>
    public static IEncryptedPayloadProtection Create(IkeSuite suite, ReadOnlySpan<byte> encrKey, ReadOnlySpan<byte> integKey, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(random);
        if (!IkeSuite.IsEncrIntegSupported(suite.Encr, suite.EncrKeyBits, suite.Integ))
        {
            throw new NotSupportedException($"{IkeSuite.EncrName(suite.Encr, suite.EncrKeyBits)} with {suite.Integ} is not supported.");
        }

        if (encrKey.Length != suite.EncrKeyLength)
        {
            throw new ArgumentException($"{suite} needs a {suite.EncrKeyLength}-byte encryption key.", nameof(encrKey));
        }

        if (integKey.Length != suite.IntegKeyLength)
        {
            throw new ArgumentException($"{suite} needs a {suite.IntegKeyLength}-byte integrity key.", nameof(integKey));
        }

        return suite.Encr switch
        {
            EncrId.ENCR_CHACHA20_POLY1305 => new ChaCha20Poly1305Protection(encrKey, random),
            EncrId.ENCR_AES_GCM_16 => new AesGcmProtection(encrKey, random),
            _ => new AesCbcHmacProtection(encrKey, suite.Integ, integKey, random),
        };
    }
}
