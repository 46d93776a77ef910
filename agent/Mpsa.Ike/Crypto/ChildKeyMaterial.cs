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
        using var seed = new SecretBytes(sharedSecret.Length + ni.Length + nr.Length);
        sharedSecret.CopyTo(seed.WritableSpan);
        ni.CopyTo(seed.WritableSpan[sharedSecret.Length..]);
        nr.CopyTo(seed.WritableSpan[(sharedSecret.Length + ni.Length)..]);

        int one = suite.EncrKeyLength + suite.IntegKeyLength;
        using var keymat = new SecretBytes(2 * one);
        PrfPlus.Derive(prf, skD, seed.Span, keymat.WritableSpan);

        EspKeys i2r = Split(suite, keymat.Span[..one]);
        return (i2r, Split(suite, keymat.Span[one..]));
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
        using var keymat = new SecretBytes(suite.EncrKeyLength + suite.IntegKeyLength);
        PrfPlus.Derive(prf, skD, nonce, keymat.WritableSpan);
        return Split(suite, keymat.Span);
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
