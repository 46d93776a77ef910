using Mpsa.Ike.Crypto;

namespace Mpsa.Tests.Crypto;

public class BufferedRandomTests
{
    [Test]
    public void NeverHandsOutTheSameBytesTwiceAcrossRefillsAndThreads()
    {
        // 4 threads x 600 draws of 16 bytes: each thread refills its 4 KiB buffer twice over.
        var draws = Enumerable.Range(0, 4).AsParallel().WithDegreeOfParallelism(4).SelectMany(_ =>
        {
            var mine = new List<string>();
            for (int i = 0; i < 600; i++)
            {
                var b = new byte[16];
                BufferedRandom.Instance.Fill(b);
                mine.Add(Convert.ToHexString(b));
            }
            return mine;
        }).ToList();
        Assert.That(draws, Has.Count.EqualTo(2400));
        Assert.That(draws, Is.Unique);
        Assert.That(draws, Has.None.EqualTo(new string('0', 32)));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(1024)]
    [TestCase(1025)]
    [TestCase(10_000)]
    public void FillsEveryLength(int length)
    {
        var a = new byte[length];
        var b = new byte[length];
        BufferedRandom.Instance.Fill(a);
        BufferedRandom.Instance.Fill(b);
        if (length >= 16)
        {
            Assert.That(a, Is.Not.EqualTo(b));
            Assert.That(a.Count(x => x == 0), Is.LessThan(length / 16 + 8), "not left zero");
        }
    }
}
