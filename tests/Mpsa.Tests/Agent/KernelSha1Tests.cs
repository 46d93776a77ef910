using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mpsa.Agent;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Agent;

public class KernelSha1Tests
{
    [Test]
    public void PassesTheKernelsDigestThrough()
    {
        var log = new RecordingLogger();
        var sha1 = KernelSha1.OrRandom((data, digest) => digest.Fill(data[0]), log);
        var digest = new byte[20];
        sha1([7, 8], digest);
        Assert.That(digest, Is.All.EqualTo(7));
        Assert.That(log.Lines, Is.Empty);
    }

    [Test]
    public void AFailureGivesARandomHashAndOneWarningInsteadOfAnException()
    {
        var log = new RecordingLogger();
        var sha1 = KernelSha1.OrRandom((_, _) => throw new SocketException((int)SocketError.TooManyOpenSockets, "Too many open files"), log);
        var first = new byte[20];
        var second = new byte[20];
        Assert.DoesNotThrow(() => sha1([1], first));
        sha1([1], second);
        Assert.Multiple(() =>
        {
            Assert.That(first, Is.Not.EqualTo(new byte[20]), "random, not zeros");
            Assert.That(first, Is.Not.EqualTo(second), "a new random value each time: never a hash the peer could match");
            Assert.That(log.Lines, Has.Count.EqualTo(2));
            Assert.That(log.Lines[0].Level, Is.EqualTo(LogLevel.Warning));
            Assert.That(log.Lines[0].EventId, Is.EqualTo(112));
            Assert.That(log.Lines[0].Text, Does.Contain("Too many open files").And.Contain("port 4500"));
        });
    }
}
