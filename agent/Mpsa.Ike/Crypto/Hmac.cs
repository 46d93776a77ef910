using System.Security.Cryptography;
using NSec.Cryptography;
using NSecHash = NSec.Cryptography.HashAlgorithm;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// HMAC (RFC 2104) over one of four hashes, for any key length, with optional truncation (RFC 4868 §2.3).
/// SHA-256 and SHA-512 run on libsodium only (no libssl); SHA-1 and SHA-384 use System.Security.Cryptography
/// and therefore need libssl at run time.
/// </summary>
/// <remarks>
/// NSec 26.4 imports HMAC-SHA-256/512 keys of exactly the hash length L (32/64 bytes) and no other length
/// (checked: 31, 33, 64, 65, 131 are refused for SHA-256). RFC 2104 §2 gives three cases for a key K and block size B:
/// <list type="bullet">
/// <item>|K| ≤ L: HMAC zero-pads K to B bytes, so K zero-padded to L bytes yields the same MAC: NSec.</item>
/// <item>|K| &gt; B: HMAC uses H(K), which is L bytes: hash with libsodium via NSec, then NSec.</item>
/// <item>L &lt; |K| ≤ B: no L-byte key gives the same MAC; libsodium's own HMAC via <see cref="Libsodium"/>.</item>
/// </list>
/// </remarks>
internal static class Hmac
{
    private const int Sha256Block = 64;
    private const int Sha512Block = 128;

    public static int OutputLength(HmacHash hash) => hash switch
    {
        HmacHash.Sha1 => 20,
        HmacHash.Sha256 => 32,
        HmacHash.Sha384 => 48,
        HmacHash.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(hash)),
    };

    public static bool NeedsOpenSsl(HmacHash hash) => hash is HmacHash.Sha1 or HmacHash.Sha384;

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
            case HmacHash.Sha256:
                ComputeSodium(MacAlgorithm.HmacSha256, NSecHash.Sha256, Sha256Block, key, data, mac);
                break;
            case HmacHash.Sha384:
                HMACSHA384.HashData(key, data, mac);
                break;
            case HmacHash.Sha512:
                ComputeSodium(MacAlgorithm.HmacSha512, NSecHash.Sha512, Sha512Block, key, data, mac);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(hash));
        }
    }

    private static void ComputeSodium(
        MacAlgorithm algorithm, NSecHash hashAlgorithm, int blockSize,
        ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        int l = algorithm.KeySize;
        if (key.Length > l && key.Length <= blockSize)
        {
            // L < |K| <= B: see the remarks above.
            if (l == 32)
            {
                Libsodium.HmacSha256(key, data, mac);
            }
            else
            {
                Libsodium.HmacSha512(key, data, mac);
            }

            return;
        }

        Span<byte> effectiveKey = stackalloc byte[l];
        try
        {
            if (key.Length > blockSize)
            {
                // RFC 2104 §2: "Applications that use keys longer than B bytes will first hash the key using H".
                hashAlgorithm.Hash(key, effectiveKey);
            }
            else
            {
                // RFC 2104 §2: K is padded with zeros to B bytes; padding to L first changes nothing.
                effectiveKey.Clear();
                key.CopyTo(effectiveKey);
            }

            using var imported = Key.Import(algorithm, effectiveKey, KeyBlobFormat.RawSymmetricKey);
            algorithm.Mac(imported, data, mac);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(effectiveKey);
        }
    }
}
