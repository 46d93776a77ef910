using System.Numerics;
using System.Security.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// Two pinned buffers per thread for the plaintext of an SK payload: <see cref="Rent"/> for the protections while they
/// seal or open (padding and pad length added), <see cref="RentForEncoding"/> for the inner payloads the message codec
/// lays out before it seals them. Pinned like <see cref="SecretBytes"/> (the GC leaves no copies) and zeroed by the
/// caller after each use, but not allocated per message. A pinned array per message filled the pinned object heap with
/// thousands of small dead holes, and that heap allocates first fit from a free list: after a full GC every allocation
/// walked past the holes too small for it (in perf, 60 % of the generator's and 15 % of the controller's samples in a
/// 10,000-member rekey, growing each round).
/// </summary>
internal static class PinnedScratch
{
    private const int MinimumLength = 4096;

    [ThreadStatic]
    private static byte[]? t_buffer;

    [ThreadStatic]
    private static byte[]? t_encoding;

    /// <summary><paramref name="length"/> bytes of this thread's buffer, to be zeroed (<see cref="CryptographicOperations.ZeroMemory"/>)
    /// in a <c>finally</c> and not used after it. Not reentrant: one rent per thread at a time.</summary>
    public static Span<byte> Rent(int length) => Rent(ref t_buffer, length);

    /// <summary>As <see cref="Rent"/>, from this thread's other buffer: an encoder holds it while a protection seals
    /// from it into the first.</summary>
    public static Span<byte> RentForEncoding(int length) => Rent(ref t_encoding, length);

    private static Span<byte> Rent(ref byte[]? slot, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var buffer = slot;
        if (buffer is null || buffer.Length < length)
        {
            if (buffer is not null)
            {
                CryptographicOperations.ZeroMemory(buffer);
            }
            uint rounded = BitOperations.RoundUpToPowerOf2((uint)length);
            int size = Math.Max(MinimumLength, (int)Math.Min(Array.MaxLength, rounded));
            buffer = GC.AllocateArray<byte>(size, pinned: true);
            slot = buffer;
        }
        return buffer.AsSpan(0, length);
    }
}
