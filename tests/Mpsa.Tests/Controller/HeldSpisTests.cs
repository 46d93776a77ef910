using Mpsa.Controller.Members;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Controller;

public class HeldSpisTests
{
    private static EspSpi Spi(uint v) => new(v);

    [Test]
    public void HoldsEachSpiOnceInlineAndBeyond()
    {
        var held = new HeldSpis();
        for (uint v = 1; v <= 6; v++)
        {
            held.Add(Spi(v));
            held.Add(Spi(v));
        }
        Assert.That(held.Count, Is.EqualTo(6));
        Assert.That(Enumerable.Range(1, 6).All(v => held.Contains(Spi((uint)v))), Is.True);
        Assert.That(held.Contains(Spi(7)), Is.False);
    }

    [Test]
    public void RemovesFromTheInlineSlotsAndFromTheOverflow()
    {
        var held = new HeldSpis();
        for (uint v = 1; v <= 5; v++)
        {
            held.Add(Spi(v));
        }
        Assert.That(held.Remove(Spi(2)), Is.True, "inline, the last one moves into its place");
        Assert.That(held.Remove(Spi(2)), Is.False);
        Assert.That(held.Remove(Spi(4)), Is.True, "overflow");
        Assert.That(held.Count, Is.EqualTo(3));
        Assert.That(new[] { 1u, 3u, 5u }.All(v => held.Contains(Spi(v))), Is.True);
        Assert.That(new[] { 2u, 4u }.Any(v => held.Contains(Spi(v))), Is.False);

        held.Add(Spi(9));
        held.RemoveWhere(s => s.Value % 2 == 1);
        Assert.That(held.Count, Is.EqualTo(0));
        Assert.That(held.Contains(Spi(9)), Is.False);
        held.Add(Spi(8));
        Assert.That(held.Contains(Spi(8)), Is.True);
    }
}
