using System.Security.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// Key material in a pinned buffer (the GC leaves no copies), zeroed on <see cref="Dispose"/>, never printed.
/// Small secrets are slices of a pinned slab of the allocating thread (never reused, so a new one reads zero): a pinned
/// allocation of its own each was the costliest part of an IKE SA setup or an MPSA_PUT once the pinned heap was
/// fragmented (its allocator walks a free list). A slab goes with the last secret cut from it.
/// </summary>
public sealed class SecretBytes : IDisposable
{
    private const int SlabLength = 4096;
    private const int MaxSliced = 256;

    [ThreadStatic]
    private static byte[]? t_slab;

    [ThreadStatic]
    private static int t_slabUsed;

    private readonly byte[] _bytes;
    private readonly int _offset;
    private bool _disposed;

    public SecretBytes(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        if (length > MaxSliced)
        {
            _bytes = GC.AllocateArray<byte>(length, pinned: true);
            return;
        }
        if (t_slab is null || SlabLength - t_slabUsed < length)
        {
            t_slab = GC.AllocateArray<byte>(SlabLength, pinned: true);
            t_slabUsed = 0;
        }
        _bytes = t_slab;
        _offset = t_slabUsed;
        t_slabUsed += (length + 7) & ~7;   // 8-byte aligned slices
    }

    public static SecretBytes CopyFrom(ReadOnlySpan<byte> source)
    {
        var secret = new SecretBytes(source.Length);
        source.CopyTo(secret._bytes.AsSpan(secret._offset, secret.Length));
        return secret;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes.AsSpan(_offset, Length);
        }
    }

    public Span<byte> WritableSpan
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes.AsSpan(_offset, Length);
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_bytes.AsSpan(_offset, Length));
            _disposed = true;
        }
    }

    public override string ToString() => $"[secret, {Length} bytes]";
}
