namespace Mpsa.Ike.Wire;

/// <summary>RFC 7296 §3.14 Encrypted and Authenticated Payload as received: where its body sits in the message.</summary>
/// <remarks>
///   Next Payload names the first inner payload. Body: Initialization Vector | Encrypted IKE Payloads |
///   Padding | Pad Length | Integrity Checksum Data. Decryption needs the whole message (AAD / ICV input).
/// </remarks>
public sealed record EncryptedPayload(PayloadType FirstInnerPayload, int BodyOffset, int BodyLength);
