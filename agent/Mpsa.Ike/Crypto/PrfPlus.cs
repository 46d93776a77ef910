using System.Security.Cryptography;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>prf+ (RFC 7296 §2.13).</summary>
public static class PrfPlus
{
    /// <summary>The last block counter prf+ can use: "this cannot be used to get more than 255 times the output size".</summary>
    public const int MaxBlocks = 255;

    /// <summary>
    /// Fills <paramref name="output"/> with the leftmost bytes of prf+(K, S):
    /// <code>
    /// prf+ (K,S) = T1 | T2 | T3 | T4 | ...
    /// T1 = prf (K, S | 0x01)
    /// T2 = prf (K, T1 | S | 0x02)
    /// T3 = prf (K, T2 | S | 0x03)
    /// </code>
    /// </summary>
    /// <exception cref="ArgumentException">More than 255 blocks would be needed.</exception>
    public static void Derive(IPrf prf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> seed, Span<byte> output)
    {
        ArgumentNullException.ThrowIfNull(prf);
        int blockLength = prf.OutputLength;
        int blocks = (output.Length + blockLength - 1) / blockLength;
        if (blocks > MaxBlocks)
        {
            throw new ArgumentException($"prf+ yields at most {MaxBlocks} blocks of {blockLength} bytes.", nameof(output));
        }

        // input = T(n-1) | S | n; T(n-1) is empty for n = 1, block = T(n). Key material: on the stack (the GC moves no
        // copy of it) unless the seed is long (a MODP g^ir in a CHILD_SA's KEYMAT), zeroed either way.
        int inputLength = blockLength + seed.Length + 1;
        using var pinned = inputLength + blockLength > MaxStackBytes ? new SecretBytes(inputLength + blockLength) : null;
        Span<byte> both = pinned is null ? stackalloc byte[inputLength + blockLength] : pinned.WritableSpan;
        // HMAC-SHA-256 hashes K's padded blocks once for all the Ts: half the compressions of a short T
        bool keyedOnce = prf is HmacPrf { Id: PrfId.PRF_HMAC_SHA2_256 } && blocks > 1;
        // (each libcrypto call sits right behind CanUseLibcrypto, so that the agent's trimmer drops it)
        bool onLibcrypto = HmacLibrary.CanUseLibcrypto && keyedOnce && Hmac.Sha256OnLibcrypto && !key.IsEmpty;
        Span<byte> keyed = keyedOnce && !onLibcrypto ? stackalloc byte[Libsodium.HmacStateLength] : default;
        var libcrypto = default(LibcryptoHmac.Keyed);
        try
        {
            if (HmacLibrary.CanUseLibcrypto && onLibcrypto)
            {
                libcrypto = new LibcryptoHmac.Keyed(key);
            }
            if (!keyed.IsEmpty)
            {
                Libsodium.HmacSha256Key(key, keyed);
            }
            Span<byte> buffer = both[..inputLength];
            Span<byte> block = both[inputLength..];
            seed.CopyTo(buffer[blockLength..]);
            for (int n = 1; n <= blocks; n++)
            {
                buffer[^1] = (byte)n;
                ReadOnlySpan<byte> data = n == 1 ? buffer[blockLength..] : buffer;
                if (HmacLibrary.CanUseLibcrypto && onLibcrypto)
                {
                    libcrypto.Compute(data, block);
                }
                else if (keyedOnce)
                {
                    Libsodium.HmacSha256Keyed(keyed, data, block);
                }
                else
                {
                    prf.Compute(key, data, block);
                }

                int offset = (n - 1) * blockLength;
                int take = Math.Min(blockLength, output.Length - offset);
                block[..take].CopyTo(output[offset..]);
                block.CopyTo(buffer);
            }
        }
        finally
        {
            if (HmacLibrary.CanUseLibcrypto)
            {
                libcrypto.Dispose();
            }
            CryptographicOperations.ZeroMemory(both);
            CryptographicOperations.ZeroMemory(keyed);
        }
    }

    private const int MaxStackBytes = 1024;
}
