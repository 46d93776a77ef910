using Mpsa.Ike.Crypto;

namespace Mpsa.Tests.Crypto;

public class SecretBytesTests
{
    [Test]
    public void ZeroesAndRefusesAccessAfterDispose()
    {
        var secret = SecretBytes.CopyFrom([1, 2, 3]);
        Assert.That(secret.ToString(), Is.EqualTo("[secret, 3 bytes]"));
        // A view of the pinned array itself, taken before Dispose: what a stale reference would still read.
        ReadOnlySpan<byte> bytes = secret.Span;
        Assert.That(bytes.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));

        secret.Dispose();

        Assert.That(bytes.ToArray(), Is.All.Zero, "the key bytes after Dispose");
        Assert.Throws<ObjectDisposedException>(() => _ = secret.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => _ = secret.WritableSpan.Length);
    }
}
