using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// ML-KEM-768 as an IKEv2 key exchange (method 36, RFC 9370 with draft-ietf-ipsecme-ikev2-mlkem): the initiator's KE
/// data is its encapsulation key, the responder's the ciphertext. This object is the initiator's side (it keeps the
/// decapsulation key, pinned, until disposed); <see cref="Respond"/> is the responder's.
/// </summary>
internal sealed class MlKem768Exchange : IDhExchange
{
    private readonly SecretBytes _decapsulationKey = new(MlKem768.DecapsulationKeyLength);

    public MlKem768Exchange(IRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        using var seed = new SecretBytes(MlKem768.KeySeedLength);
        random.Fill(seed.WritableSpan);
        PublicValue = new byte[MlKem768.EncapsulationKeyLength];
        MlKem768.KeyPair(seed.Span, PublicValue, _decapsulationKey.WritableSpan);
    }

    public DhGroup Group => DhGroup.ML_KEM_768;

    /// <summary>The encapsulation key (1184 bytes).</summary>
    public byte[] PublicValue { get; }

    /// <summary>Decapsulates the responder's ciphertext; null when it is not 1088 bytes.</summary>
    public SecretBytes? DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue)
    {
        var shared = new SecretBytes(MlKem768.SharedSecretLength);
        if (!MlKem768.Decapsulate(_decapsulationKey.Span, peerPublicValue, shared.WritableSpan))
        {
            shared.Dispose();
            return null;
        }
        return shared;
    }

    /// <summary>The responder's side: encapsulates to the initiator's key; null (and no ciphertext) when it is not a
    /// valid ML-KEM-768 encapsulation key.</summary>
    public static SecretBytes? Respond(ReadOnlySpan<byte> encapsulationKey, IRandom random, out byte[] ciphertext)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> seed = stackalloc byte[MlKem768.EncapsulationSeedLength];
        random.Fill(seed);
        ciphertext = new byte[MlKem768.CiphertextLength];
        var shared = new SecretBytes(MlKem768.SharedSecretLength);
        try
        {
            if (MlKem768.Encapsulate(encapsulationKey, seed, ciphertext, shared.WritableSpan))
            {
                return shared;
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(seed);
        }
        shared.Dispose();
        ciphertext = [];
        return null;
    }

    public void Dispose() => _decapsulationKey.Dispose();
}
