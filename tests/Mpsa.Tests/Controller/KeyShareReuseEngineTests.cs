using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Controller;

/// <summary>key_share_reuse in the controller: members connecting together get one X25519 key share (RFC 7296 §2.12),
/// and a reload that sets it to 0 gives every IKE SA its own from then on.</summary>
public class KeyShareReuseEngineTests
{
    /// <summary>The KE data of each IKE_SA_INIT response the controller sent, in order.</summary>
    private static List<string> KeyShares(ControllerHarness h) =>
    [
        .. h.ControllerSent
            .Select(o => IkeMessage.Decode(o.Datagram))
            .Where(m => m.Header.Exchange == ExchangeType.IKE_SA_INIT && m.Header.IsResponse)
            .Select(m => Convert.ToHexString(m.Find<KeyExchangePayload>()!.Data)),
    ];

    [Test]
    public void MembersShareOneKeyShareUntilAReloadTurnsReuseOff()
    {
        using var h = new ControllerHarness(4);
        h.Connect(1);
        h.Connect(2);
        Assert.That(h.Engine.ConnectedCount, Is.EqualTo(2));
        var before = KeyShares(h);
        Assert.That(before, Has.Count.EqualTo(2));
        Assert.That(before[1], Is.EqualTo(before[0]));

        h.FromController(h.Engine.Reload(h.Settings(h.Members) with { KeyShareReuse = TimeSpan.Zero }, h.Now));
        h.Connect(3);
        h.Connect(4);

        var after = KeyShares(h);
        Assert.That(h.Engine.ConnectedCount, Is.EqualTo(4));
        Assert.That(after.Distinct().Count(), Is.EqualTo(3), "the two new members each got a key share of their own");
    }
}
