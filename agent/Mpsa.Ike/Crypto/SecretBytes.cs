using System.Security.Cryptography;

namespace Mpsa.Ike.Crypto;

/// <summary>Key material in a pinned buffer (the GC leaves no copies), zeroed on <see cref="Dispose"/>, never printed.</summary>
public sealed class SecretBytes : IDisposable
{
    private readonly byte[] _bytes;
    private bool _disposed;

    public SecretBytes(int length) => _bytes = GC.AllocateArray<byte>(length, pinned: true);

    public static SecretBytes CopyFrom(ReadOnlySpan<byte> source)
    {
        var secret = new SecretBytes(source.Length);
        source.CopyTo(secret._bytes);
        return secret;
    }

    public int Length => _bytes.Length;

    public ReadOnlySpan<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }

    public Span<byte> WritableSpan
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_bytes);
            _disposed = true;
        }
    }

    public override string ToString() => $"[secret, {_bytes.Length} bytes]";
}
