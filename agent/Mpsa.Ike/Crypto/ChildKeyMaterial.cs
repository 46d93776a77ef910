using System.Security.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>ESP keying material (RFC 7296 §2.17; draft-mpsa §3.3.2 for the MPSA).</summary>
public static class ChildKeyMaterial
{
    /// <summary>
    /// <code>
    /// KEYMAT = prf+(SK_d, Ni | Nr)
    /// </code>
    /// taken in order: initiator-to-responder encryption key, its integrity key, then responder-to-initiator
    /// encryption and integrity keys ("encryption key (if any) MUST be taken from the first bits and the integrity
    /// key (if any) MUST be taken from the remaining bits", keys for the initiator-to-responder SA first).
    /// </summary>
    public static (EspKeys InitiatorToResponder, EspKeys ResponderToInitiator) Derive(IPrf prf, ReadOnlySpan<byte> skD, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, EspSuite suite) =>
        Derive(prf, skD, [], ni, nr, suite);

    /// <summary>
    /// With a Diffie-Hellman exchange in CREATE_CHILD_SA (PFS):
    /// <code>
    /// KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)
    /// </code>
    /// </summary>
    public static (EspKeys InitiatorToResponder, EspKeys ResponderToInitiator) Derive(IPrf prf, ReadOnlySpan<byte> skD, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, EspSuite suite)
    {
        ArgumentNullException.ThrowIfNull(prf);
        ThrowIfUnsupported(suite);
        // g^ir (PFS) makes the seed secret; without it the seed is the nonces, which went over the wire
        using var secretSeed = sharedSecret.IsEmpty ? null : new SecretBytes(sharedSecret.Length + ni.Length + nr.Length);
        Span<byte> seed = secretSeed is null ? stackalloc byte[ni.Length + nr.Length] : secretSeed.WritableSpan;
        sharedSecret.CopyTo(seed);
        ni.CopyTo(seed[sharedSecret.Length..]);
        nr.CopyTo(seed[(sharedSecret.Length + ni.Length)..]);

        int one = suite.EncrKeyLength + suite.IntegKeyLength;
        Span<byte> keymat = stackalloc byte[2 * one];   // zeroed below, once each key is copied into its SecretBytes
        try
        {
            PrfPlus.Derive(prf, skD, seed, keymat);
            EspKeys i2r = Split(suite, keymat[..one]);
            return (i2r, Split(suite, keymat[one..]));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keymat);
        }
    }

    /// <summary>
    /// draft-mpsa §3.3.2: one set of keys serves both directions of the MPSA.
    /// <code>
    /// KEYMAT = prf+(SK_d, Nonce)
    /// </code>
    /// split as encryption key then integrity key.
    /// </summary>
    public static EspKeys DeriveMpsa(IPrf prf, ReadOnlySpan<byte> skD, ReadOnlySpan<byte> nonce, EspSuite suite)
    {
        ArgumentNullException.ThrowIfNull(prf);
        ThrowIfUnsupported(suite);
        Span<byte> keymat = stackalloc byte[suite.EncrKeyLength + suite.IntegKeyLength];
        try
        {
            PrfPlus.Derive(prf, skD, nonce, keymat);
            return Split(suite, keymat);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keymat);
        }
    }

    private static void ThrowIfUnsupported(EspSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (!suite.IsSupported)
        {
            throw new NotSupportedException($"ESP suite {suite} is not supported.");
        }
    }

    private static EspKeys Split(EspSuite suite, ReadOnlySpan<byte> keymat) =>
        new(
            suite,
            SecretBytes.CopyFrom(keymat[..suite.EncrKeyLength]),
            SecretBytes.CopyFrom(keymat.Slice(suite.EncrKeyLength, suite.IntegKeyLength)));
}
