using System.Buffers.Binary;

namespace Mpsa.Ike.Wire;

/// <summary>
/// RFC 7427 §4 N(SIGNATURE_HASH_ALGORITHMS) in IKE_SA_INIT: the hashes its sender can verify with method 14.
/// Notification Data = a list of 2-octet Hash Algorithm Identifiers; unknown values are kept.
/// </summary>
public static class SignatureHashAlgorithms
{
    public static NotifyPayload Notify(IReadOnlyList<SignatureHash> hashes)
    {
        var data = new byte[2 * hashes.Count];
        for (int i = 0; i < hashes.Count; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2 * i), (ushort)hashes[i]);
        }
        return new NotifyPayload(NotifyType.SIGNATURE_HASH_ALGORITHMS, data);
    }

    /// <summary>The peer's list, or null when it sent none (then it only knows the legacy methods 1, 9-11);
    /// an odd trailing octet is ignored.</summary>
    public static IReadOnlyList<SignatureHash>? From(IkeMessage message)
    {
        if (message.FindNotify(NotifyType.SIGNATURE_HASH_ALGORITHMS) is not { } n)
        {
            return null;
        }
        var hashes = new SignatureHash[n.Data.Length / 2];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i] = (SignatureHash)BinaryPrimitives.ReadUInt16BigEndian(n.Data.AsSpan(2 * i));
        }
        return hashes;
    }
}
