namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.14 Encrypted and Authenticated Payload as received: where its body sits in the message.</summary>
/// <remarks>
///   Next Payload names the first inner payload. Body: Initialization Vector | Encrypted IKE Payloads |
///   Padding | Pad Length | Integrity Checksum Data. Decryption needs the whole message (AAD / ICV input).
/// </remarks>
/// <remarks>
///   An Encrypted Fragment payload (SKF, RFC 7383 §2.5) has Fragment Number and Total Fragments (2 octets each) before
///   the body; its Next Payload names the first inner payload in fragment 1 only.
/// </remarks>
public sealed record EncryptedPayload(PayloadType FirstInnerPayload, int BodyOffset, int BodyLength, int FragmentNumber = 0, int TotalFragments = 0)
{
    public bool IsFragment => TotalFragments > 0;
}
