using System.Security.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// One pinned buffer per thread for the plaintext of an SK payload while it is sealed or opened: pinned like
/// <see cref="SecretBytes"/> (the GC leaves no copies) and zeroed by the caller after each use, but not allocated per
/// message. A pinned array per message filled the pinned object heap with thousands of small dead holes, and that heap
/// allocates first fit from a free list: after a full GC every allocation walked past the holes too small for it
/// (in perf, 60 % of the generator's and 15 % of the controller's samples in a 10,000-member rekey, growing each round).
/// </summary>
internal static class PinnedScratch
{
    private const int MinimumLength = 4096;

    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <summary><paramref name="length"/> bytes of this thread's buffer, to be zeroed (<see cref="CryptographicOperations.ZeroMemory"/>)
    /// in a <c>finally</c> and not used after it. Not reentrant: one rent per thread at a time.</summary>
    public static Span<byte> Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var buffer = t_buffer;
        if (buffer is null || buffer.Length < length)
        {
            if (buffer is not null)
            {
                CryptographicOperations.ZeroMemory(buffer);
            }
            buffer = GC.AllocateArray<byte>(Math.Max(MinimumLength, (int)Math.Min(Array.MaxLength, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)length))), pinned: true);
            t_buffer = buffer;
        }
        return buffer.AsSpan(0, length);
    }
}
