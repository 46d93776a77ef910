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

    private static void EnsureInitialized()
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
#pragma warning restore SYSLIB1054
}
