namespace Mpsa.Ike.Crypto;

/// <summary>The octets an IKE_AUTH proves (RFC 7296 §2.15), signed by RFC 7427 signatures and MACed by a PSK.</summary>
public static class SignedOctets
{
    /// <summary>
    /// <code>
    /// InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI,  MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
    /// ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR,  MACedIDForR = prf(SK_pr, RestOfRespIDPayload)
    /// </code>
    /// For the signer's own octets: its first message, the peer's nonce, its SK_p and its ID payload body. After
    /// IKE_INTERMEDIATE exchanges <paramref name="intermediate"/> (IntAuth_i | IntAuth_r | IKE_AUTH_MID, RFC 9242 §3.3.2)
    /// follows.
    /// </summary>
    public static byte[] Build(IPrf prf, ReadOnlySpan<byte> realMessage, ReadOnlySpan<byte> peerNonce, ReadOnlySpan<byte> skP, ReadOnlySpan<byte> idPayloadBody,
        ReadOnlySpan<byte> intermediate = default)
    {
        ArgumentNullException.ThrowIfNull(prf);
        byte[] octets = new byte[realMessage.Length + peerNonce.Length + prf.OutputLength + intermediate.Length];
        realMessage.CopyTo(octets);
        peerNonce.CopyTo(octets.AsSpan(realMessage.Length));
        prf.Compute(skP, idPayloadBody, octets.AsSpan(realMessage.Length + peerNonce.Length, prf.OutputLength));
        intermediate.CopyTo(octets.AsSpan(realMessage.Length + peerNonce.Length + prf.OutputLength));
        return octets;
    }
}
