using System.Runtime.InteropServices;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// ML-KEM-768 (FIPS 203) from libsodium 1.0.22, the library NSec already loads. Keys and encapsulations are made from
/// seeds that <see cref="IRandom"/> gives (<c>seed_keypair</c>, <c>enc_deterministic</c>), so a test can replay an
/// exchange as it can an X25519 one. In IKEv2 (key exchange method 36) the initiator sends the encapsulation key and
/// the responder the ciphertext; both end with the same 32-byte shared secret.
/// </summary>
internal static class MlKem768
{
    public const int EncapsulationKeyLength = 1184;
    public const int DecapsulationKeyLength = 2400;
    public const int CiphertextLength = 1088;
    public const int SharedSecretLength = 32;
    public const int KeySeedLength = 64;
    public const int EncapsulationSeedLength = 32;

    private const string Library = "libsodium";

    /// <summary>The key pair of seed (d, z); the decapsulation key goes into <paramref name="decapsulationKey"/>.</summary>
    public static void KeyPair(ReadOnlySpan<byte> seed, Span<byte> encapsulationKey, Span<byte> decapsulationKey)
    {
        Libsodium.EnsureInitialized();
        if (seed.Length != KeySeedLength || encapsulationKey.Length != EncapsulationKeyLength || decapsulationKey.Length != DecapsulationKeyLength)
        {
            throw new ArgumentException("ML-KEM-768 key generation takes a 64-byte seed and gives 1184- and 2400-byte keys.");
        }
        if (crypto_kem_mlkem768_seed_keypair(ref MemoryMarshal.GetReference(encapsulationKey), ref MemoryMarshal.GetReference(decapsulationKey),
            ref MemoryMarshal.GetReference(seed)) != 0)
        {
            throw new InvalidOperationException("libsodium ML-KEM-768 key generation failed.");
        }
    }

    /// <summary>Encapsulates to <paramref name="encapsulationKey"/> with randomness <paramref name="seed"/>; false when the key
    /// is not a valid ML-KEM-768 key (wrong length, or a coefficient not reduced: FIPS 203 §7.2's input check).</summary>
    public static bool Encapsulate(ReadOnlySpan<byte> encapsulationKey, ReadOnlySpan<byte> seed, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        Libsodium.EnsureInitialized();
        if (seed.Length != EncapsulationSeedLength || ciphertext.Length != CiphertextLength || sharedSecret.Length != SharedSecretLength)
        {
            throw new ArgumentException("ML-KEM-768 encapsulation takes a 32-byte seed and gives a 1088-byte ciphertext and a 32-byte secret.");
        }
        return encapsulationKey.Length == EncapsulationKeyLength
            && crypto_kem_mlkem768_enc_deterministic(ref MemoryMarshal.GetReference(ciphertext), ref MemoryMarshal.GetReference(sharedSecret),
                ref MemoryMarshal.GetReference(encapsulationKey), ref MemoryMarshal.GetReference(seed)) == 0;
    }

    /// <summary>Decapsulates; false only for a ciphertext of the wrong length. A forged ciphertext of the right length gives
    /// a secret the peer does not have (implicit rejection), so the exchange fails later, at AUTH.</summary>
    public static bool Decapsulate(ReadOnlySpan<byte> decapsulationKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        Libsodium.EnsureInitialized();
        if (decapsulationKey.Length != DecapsulationKeyLength || sharedSecret.Length != SharedSecretLength)
        {
            throw new ArgumentException("ML-KEM-768 decapsulation takes a 2400-byte key and gives a 32-byte secret.");
        }
        return ciphertext.Length == CiphertextLength
            && crypto_kem_mlkem768_dec(ref MemoryMarshal.GetReference(sharedSecret), ref MemoryMarshal.GetReference(ciphertext),
                ref MemoryMarshal.GetReference(decapsulationKey)) == 0;
    }

#pragma warning disable SYSLIB1054 // as in Libsodium: blittable signatures, no unsafe code
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_kem_mlkem768_seed_keypair(ref byte pk, ref byte sk, ref byte seed);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_kem_mlkem768_enc_deterministic(ref byte ct, ref byte ss, ref byte pk, ref byte seed);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_kem_mlkem768_dec(ref byte ss, ref byte ct, ref byte sk);
#pragma warning restore SYSLIB1054
}
