using Mpsa.Ike.Crypto;

namespace Mpsa.Tests;

public class SecretBytesTests
{
    [Test]
    public void ZeroesAndRefusesAccessAfterDispose()
    {
        var secret = SecretBytes.CopyFrom([1, 2, 3]);
        Assert.That(secret.ToString(), Is.EqualTo("[secret, 3 bytes]"));
        secret.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = secret.Span.Length);
    }
}
