using System.Security.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// HMAC (RFC 2104) over one of four hashes, for any key length, with optional truncation (RFC 4868 §2.3).
/// SHA-256 and SHA-512 run on libsodium (no libssl), SHA-256 on libcrypto instead once a process prefers it
/// (<see cref="HmacLibrary.PreferLibcrypto"/>); SHA-1 and SHA-384 use System.Security.Cryptography and therefore need libssl.
/// </summary>
/// <remarks>
/// SHA-256 and SHA-512 go straight to libsodium's <c>crypto_auth_hmacsha*</c> (<see cref="Libsodium"/>), which takes
/// a key of any length as RFC 2104 §2 says. (NSec 26.4 imports HMAC keys of exactly the hash length only, and each
/// import allocates guarded memory: too slow for prf+, which calls HMAC once per block.)
/// </remarks>
internal static class Hmac
{
    public static int OutputLength(HmacHash hash) => hash switch
    {
        HmacHash.Sha1 => 20,
        HmacHash.Sha256 => 32,
        HmacHash.Sha384 => 48,
        HmacHash.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(hash)),
    };

    public static bool NeedsOpenSsl(HmacHash hash) => hash is HmacHash.Sha1 or HmacHash.Sha384;

    /// <summary>Whether HMAC-SHA-256 runs on libcrypto (<see cref="LibcryptoHmac"/>) rather than libsodium.</summary>
    internal static bool Sha256OnLibcrypto { get; set; }

    /// <summary>
    /// Writes HMAC(<paramref name="key"/>, <paramref name="data"/>) truncated to <paramref name="output"/>'s length
    /// (1 to the hash length; the leftmost bytes, RFC 2104 §5).
    /// </summary>
    public static void Compute(HmacHash hash, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> output)
    {
        int length = OutputLength(hash);
        if (output.IsEmpty || output.Length > length)
        {
            throw new ArgumentException($"HMAC output must be 1 to {length} bytes.", nameof(output));
        }

        if (output.Length == length)
        {
            ComputeFull(hash, key, data, output);
            return;
        }

        Span<byte> full = stackalloc byte[length];
        try
        {
            ComputeFull(hash, key, data, full);
            full[..output.Length].CopyTo(output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(full);
        }
    }

    private static void ComputeFull(HmacHash hash, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        switch (hash)
        {
            case HmacHash.Sha1:
#pragma warning disable CA5350 // PRF_HMAC_SHA1 and AUTH_HMAC_SHA1_96 are negotiated for interop (RFC 8247 §2.2, §3.2), never proposed first.
                HMACSHA1.HashData(key, data, mac);
#pragma warning restore CA5350
                break;
            case HmacHash.Sha256 when HmacLibrary.CanUseLibcrypto && Sha256OnLibcrypto && !key.IsEmpty:
                LibcryptoHmac.Sha256(key, data, mac);
                break;
            case HmacHash.Sha256:
                Libsodium.HmacSha256(key, data, mac);
                break;
            case HmacHash.Sha384:
                HMACSHA384.HashData(key, data, mac);
                break;
            case HmacHash.Sha512:
                Libsodium.HmacSha512(key, data, mac);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(hash));
        }
    }
}
