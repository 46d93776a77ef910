using System.Runtime.InteropServices;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// The few libsodium 1.0.22 entry points that NSec 26.4 does not expose, called in the same
/// <c>libsodium</c> library NSec loads. No <c>System.Security.Cryptography</c> (hence no libssl) is involved.
/// </summary>
/// <remarks>
/// <para><c>randombytes_buf</c>: the operating system CSPRNG (getrandom) through libsodium, because
/// <see cref="System.Security.Cryptography.RandomNumberGenerator"/> initialises the OpenSSL shim on Linux and
/// aborts with "No usable version of libssl was found" when libssl is absent (measured on .NET 10.0.12).</para>
/// <para><c>crypto_auth_hmacsha256/512_*</c>: HMAC (RFC 2104) for keys longer than the hash output and not longer
/// than the hash block (33–64 bytes for SHA-256, 65–128 for SHA-512). NSec 26.4 imports HMAC keys of exactly the
/// hash length only, and such a key can neither be zero-padded (NSec refuses the length) nor hashed (that would
/// change the MAC). IKE meets these lengths all the time: the SKEYSEED key Ni | Nr is 64 bytes with 32-byte nonces.
/// libsodium's <c>_init</c> takes a key of any length (RFC 2104 §2).</para>
/// <para><c>crypto_scalarmult_curve25519*</c>: X25519 on a pinned <see cref="SecretBytes"/> scalar, and
/// <c>crypto_aead_chacha20poly1305_ietf_*</c> on a pinned key. NSec's <c>Key</c> and <c>SharedSecret</c> each allocate
/// guarded memory (mmap, mprotect, munmap: three memory mappings per object). That was slow per setup, and two
/// ChaCha20-Poly1305 keys per IKE SA ran a controller with 10,000 members into vm.max_map_count (65530).</para>
/// <para><c>crypto_hash_sha256</c>: the key-material fingerprint. NSec has it, but calling NSec at all brings its
/// error messages, and with them .NET's resource reader and time-zone code (60 kB), into the agent's binary.</para>
/// Plain <see cref="DllImportAttribute"/> with blittable <c>ref byte</c> arguments: no marshalling, no unsafe code,
/// NativeAOT-compatible (the csproj disallows unsafe blocks, which <c>LibraryImport</c> needs).
/// </remarks>
internal static class Libsodium
{
    private const string Library = "libsodium";

    /// <summary>Big enough for crypto_auth_hmacsha256_state (208 bytes) and crypto_auth_hmacsha512_state (416 bytes).</summary>
    private const int HmacStateBufferLength = 512;

    private const int Sha256Bytes = 32;
    private const int Sha512Bytes = 64;
    private const int X25519Bytes = 32;

    private static readonly bool s_initialized = Initialize();

    /// <summary>Fills <paramref name="destination"/> from libsodium's CSPRNG.</summary>
    public static void RandomBytes(Span<byte> destination)
    {
        EnsureInitialized();
        if (!destination.IsEmpty)
        {
            randombytes_buf(ref MemoryMarshal.GetReference(destination), (nuint)destination.Length);
        }
    }

    /// <summary>SHA-256 (FIPS 180-4) of <paramref name="data"/>; <paramref name="hash"/> is exactly 32 bytes.</summary>
    public static void Sha256(ReadOnlySpan<byte> data, Span<byte> hash)
    {
        EnsureInitialized();
        if (hash.Length != Sha256Bytes)
        {
            throw new ArgumentException("SHA-256 output is 32 bytes.", nameof(hash));
        }
        Check(crypto_hash_sha256(ref MemoryMarshal.GetReference(hash), ref MemoryMarshal.GetReference(data), (ulong)data.Length));
    }

    /// <summary>HMAC-SHA-256 with a key of any length; <paramref name="mac"/> is exactly 32 bytes.</summary>
    public static void HmacSha256(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        EnsureInitialized();
        if (mac.Length != Sha256Bytes)
        {
            throw new ArgumentException("HMAC-SHA-256 output is 32 bytes.", nameof(mac));
        }

        Span<byte> state = stackalloc byte[HmacStateBufferLength];
        try
        {
            ref byte s = ref MemoryMarshal.GetReference(state);
            Check(crypto_auth_hmacsha256_init(ref s, ref MemoryMarshal.GetReference(key), (nuint)key.Length));
            Check(crypto_auth_hmacsha256_update(ref s, ref MemoryMarshal.GetReference(data), (ulong)data.Length));
            Check(crypto_auth_hmacsha256_final(ref s, ref MemoryMarshal.GetReference(mac)));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(state);
        }
    }

    /// <summary>Bytes of a keyed HMAC state (<see cref="HmacSha256Key"/>).</summary>
    public const int HmacStateLength = HmacStateBufferLength;

    /// <summary>
    /// The HMAC-SHA-256 state once <paramref name="key"/>'s padded blocks are hashed, into <paramref name="keyed"/>
    /// (<see cref="HmacStateLength"/> bytes): <see cref="HmacSha256Keyed"/> goes on from a copy, so a key that
    /// authenticates many inputs (prf+) is hashed once. The caller zeroes it.
    /// </summary>
    public static void HmacSha256Key(ReadOnlySpan<byte> key, Span<byte> keyed)
    {
        EnsureInitialized();
        if (keyed.Length != HmacStateBufferLength)
        {
            throw new ArgumentException($"a keyed HMAC state is {HmacStateBufferLength} bytes.", nameof(keyed));
        }
        Check(crypto_auth_hmacsha256_init(ref MemoryMarshal.GetReference(keyed), ref MemoryMarshal.GetReference(key), (nuint)key.Length));
    }

    /// <summary>HMAC-SHA-256 of <paramref name="data"/> under the key of <paramref name="keyed"/>, which stays as it is.</summary>
    public static void HmacSha256Keyed(ReadOnlySpan<byte> keyed, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        if (keyed.Length != HmacStateBufferLength || mac.Length != Sha256Bytes)
        {
            throw new ArgumentException("a keyed HMAC-SHA-256 state and a 32-byte output are needed.", nameof(mac));
        }

        Span<byte> state = stackalloc byte[HmacStateBufferLength];
        try
        {
            keyed.CopyTo(state);
            ref byte s = ref MemoryMarshal.GetReference(state);
            Check(crypto_auth_hmacsha256_update(ref s, ref MemoryMarshal.GetReference(data), (ulong)data.Length));
            Check(crypto_auth_hmacsha256_final(ref s, ref MemoryMarshal.GetReference(mac)));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(state);
        }
    }

    /// <summary>HMAC-SHA-512 with a key of any length; <paramref name="mac"/> is exactly 64 bytes.</summary>
    public static void HmacSha512(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        EnsureInitialized();
        if (mac.Length != Sha512Bytes)
        {
            throw new ArgumentException("HMAC-SHA-512 output is 64 bytes.", nameof(mac));
        }

        Span<byte> state = stackalloc byte[HmacStateBufferLength];
        try
        {
            ref byte s = ref MemoryMarshal.GetReference(state);
            Check(crypto_auth_hmacsha512_init(ref s, ref MemoryMarshal.GetReference(key), (nuint)key.Length));
            Check(crypto_auth_hmacsha512_update(ref s, ref MemoryMarshal.GetReference(data), (ulong)data.Length));
            Check(crypto_auth_hmacsha512_final(ref s, ref MemoryMarshal.GetReference(mac)));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(state);
        }
    }

    /// <summary>X25519 public value q = n·9 (RFC 7748 §6.1); libsodium clamps the scalar.</summary>
    public static void X25519Base(ReadOnlySpan<byte> scalar, Span<byte> publicValue)
    {
        EnsureInitialized();
        if (scalar.Length != X25519Bytes || publicValue.Length != X25519Bytes)
        {
            throw new ArgumentException("X25519 values are 32 bytes.");
        }
        Check(crypto_scalarmult_curve25519_base(ref MemoryMarshal.GetReference(publicValue), ref MemoryMarshal.GetReference(scalar)));
    }

    /// <summary>X25519 shared secret n·p (RFC 7748 §5); false when it is all zeros (a low-order point, §6.1).</summary>
    public static bool X25519(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> peer, Span<byte> shared)
    {
        EnsureInitialized();
        if (scalar.Length != X25519Bytes || peer.Length != X25519Bytes || shared.Length != X25519Bytes)
        {
            throw new ArgumentException("X25519 values are 32 bytes.");
        }
        return crypto_scalarmult_curve25519(ref MemoryMarshal.GetReference(shared), ref MemoryMarshal.GetReference(scalar), ref MemoryMarshal.GetReference(peer)) == 0;
    }

    /// <summary>ChaCha20-Poly1305 (RFC 8439, 12-byte nonce) seal: <paramref name="ciphertextAndTag"/> is the plaintext length + 16.</summary>
    public static void ChaCha20Poly1305Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad,
        ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag)
    {
        EnsureInitialized();
        CheckAead(key, nonce, ciphertextAndTag.Length - plaintext.Length);
        Check(crypto_aead_chacha20poly1305_ietf_encrypt(ref MemoryMarshal.GetReference(ciphertextAndTag), out _,
            ref MemoryMarshal.GetReference(plaintext), (ulong)plaintext.Length, ref MemoryMarshal.GetReference(aad), (ulong)aad.Length,
            0, ref MemoryMarshal.GetReference(nonce), ref MemoryMarshal.GetReference(key)));
    }

    /// <summary>ChaCha20-Poly1305 open; false when the tag does not verify (nothing usable is written then).</summary>
    public static bool ChaCha20Poly1305Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad,
        ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext)
    {
        EnsureInitialized();
        CheckAead(key, nonce, ciphertextAndTag.Length - plaintext.Length);
        return crypto_aead_chacha20poly1305_ietf_decrypt(ref MemoryMarshal.GetReference(plaintext), out _, 0,
            ref MemoryMarshal.GetReference(ciphertextAndTag), (ulong)ciphertextAndTag.Length, ref MemoryMarshal.GetReference(aad), (ulong)aad.Length,
            ref MemoryMarshal.GetReference(nonce), ref MemoryMarshal.GetReference(key)) == 0;
    }

    private static void CheckAead(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, int tagLength)
    {
        if (key.Length != 32 || nonce.Length != 12 || tagLength != 16)
        {
            throw new ArgumentException("ChaCha20-Poly1305 takes a 32-byte key, a 12-byte nonce and adds a 16-byte tag.");
        }
    }

    internal static void EnsureInitialized()
    {
        if (!s_initialized)
        {
            throw new InvalidOperationException("libsodium could not be initialised.");
        }
    }

    private static bool Initialize()
    {
        // sodium_init returns 0 on first success, 1 when already initialised (NSec calls it too), -1 on failure.
        return sodium_init() >= 0
            && crypto_auth_hmacsha256_statebytes() <= HmacStateBufferLength
            && crypto_auth_hmacsha512_statebytes() <= HmacStateBufferLength
            && crypto_auth_hmacsha256_bytes() == Sha256Bytes
            && crypto_auth_hmacsha512_bytes() == Sha512Bytes;
    }

    private static void Check(int result)
    {
        if (result != 0)
        {
            throw new InvalidOperationException("libsodium HMAC call failed.");
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport generates unsafe code; this project disallows unsafe blocks and these signatures are blittable.
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int sodium_init();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern void randombytes_buf(ref byte buf, nuint size);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_hash_sha256(ref byte output, ref byte input, ulong inlen);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern nuint crypto_auth_hmacsha256_statebytes();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern nuint crypto_auth_hmacsha256_bytes();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_auth_hmacsha256_init(ref byte state, ref byte key, nuint keylen);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_auth_hmacsha256_update(ref byte state, ref byte input, ulong inlen);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_auth_hmacsha256_final(ref byte state, ref byte output);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern nuint crypto_auth_hmacsha512_statebytes();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern nuint crypto_auth_hmacsha512_bytes();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_auth_hmacsha512_init(ref byte state, ref byte key, nuint keylen);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_auth_hmacsha512_update(ref byte state, ref byte input, ulong inlen);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_auth_hmacsha512_final(ref byte state, ref byte output);
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_scalarmult_curve25519_base(ref byte q, ref byte n);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_scalarmult_curve25519(ref byte q, ref byte n, ref byte p);
    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_aead_chacha20poly1305_ietf_encrypt(ref byte c, out ulong clen, ref byte m, ulong mlen,
        ref byte ad, ulong adlen, nint nsec, ref byte npub, ref byte k);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int crypto_aead_chacha20poly1305_ietf_decrypt(ref byte m, out ulong mlen, nint nsec, ref byte c, ulong clen,
        ref byte ad, ulong adlen, ref byte npub, ref byte k);
#pragma warning restore SYSLIB1054
}
