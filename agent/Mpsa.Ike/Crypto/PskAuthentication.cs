using System.Security.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>Shared-key AUTH payload data (RFC 7296 §2.15, Auth Method 2).</summary>
public static class PskAuthentication
{
    /// <summary>"Key Pad for IKEv2", 17 ASCII characters, no terminating null (RFC 7296 §2.15).</summary>
    private static ReadOnlySpan<byte> KeyPad => "Key Pad for IKEv2"u8;

    /// <summary>
    /// <code>
    /// AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), &lt;SignedOctets&gt;)
    /// SignedOctets = RealMessage | NonceData (the peer's) | prf(SK_p, RestOfIDPayload)
    /// RestOfIDPayload = ID Type | RESERVED (3) | Identification Data   (the ID payload body)
    /// </code>
    /// For our own AUTH: our first message, the peer's nonce, our SK_p (SK_pi for the initiator) and our ID payload body.
    /// </summary>
    public static byte[] Compute(IPrf prf, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> realMessage, ReadOnlySpan<byte> peerNonce, ReadOnlySpan<byte> skP, ReadOnlySpan<byte> idPayloadBody,
        ReadOnlySpan<byte> intermediate = default)
    {
        ArgumentNullException.ThrowIfNull(prf);
        int n = prf.OutputLength;
        byte[] signedOctets = SignedOctets.Build(prf, realMessage, peerNonce, skP, idPayloadBody, intermediate);

        // prf(Shared Secret, "Key Pad for IKEv2"), on the stack and zeroed after
        Span<byte> padKey = stackalloc byte[n];
        try
        {
            prf.Compute(psk, KeyPad, padKey);

            // AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), SignedOctets)
            return prf.Compute(padKey, signedOctets);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(padKey);
        }
    }

    /// <summary>
    /// Recomputes the peer's AUTH (its first message, our nonce, its SK_p, its ID payload body) and compares in constant time.
    /// </summary>
    public static bool Verify(IPrf prf, ReadOnlySpan<byte> psk, ReadOnlySpan<byte> realMessage, ReadOnlySpan<byte> peerNonce, ReadOnlySpan<byte> skP, ReadOnlySpan<byte> idPayloadBody, ReadOnlySpan<byte> received,
        ReadOnlySpan<byte> intermediate = default)
    {
        byte[] expected = Compute(prf, psk, realMessage, peerNonce, skP, idPayloadBody, intermediate);
        return CryptographicOperations.FixedTimeEquals(expected, received);
    }
}
