using System.Net;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary><see cref="ResponderLimits"/>: each bound drops what is beyond it with a <see cref="LimitReached"/> naming it.</summary>
public class ResponderLimitsTests
{
    private static readonly IPAddress Flooder = IPAddress.Parse("198.51.100.7");


    private static string? Limit(Step step) => step.Events.OfType<LimitReached>().SingleOrDefault()?.Limit;

    [Test]
    public void RefusesIkeSasFromOneAddressBeyondItsShareButNotFromOthers()
    {
        using var pair = new Pair(Suites.Default, responder: r => r.Limits = new ResponderLimits { MaxIkeSasPerAddress = 3 });
        for (int i = 0; i < 3; i++)
        {
            var ok = pair.Responder.Receive(Pair.SaInit(100u + (ulong)i), new IPEndPoint(Flooder, 500 + i), pair.Now);
            Assert.That(ok.Send, Has.Count.EqualTo(1), $"IKE_SA_INIT {i} answered");
        }
        var refused = pair.Responder.Receive(Pair.SaInit(200), new IPEndPoint(Flooder, 600), pair.Now);
        Assert.That((refused.Send.Count, Limit(refused)), Is.EqualTo((0, "max_ike_sas_per_address")));

        // The member from its own address still connects.
        pair.Establish();
        Assert.That(pair.Responder.EstablishedCount, Is.EqualTo(1));

        // Half-open SAs expire and give the address its share back.
        pair.Advance(TimeSpan.FromSeconds(31));
        pair.Responder.OnTimeout(pair.Now);
        Assert.That(pair.Responder.Receive(Pair.SaInit(201), new IPEndPoint(Flooder, 601), pair.Now).Send, Has.Count.EqualTo(1));
    }

    [Test]
    public void RefusesIkeSasBeyondTheTotal()
    {
        using var pair = new Pair(Suites.Default, responder: r => r.Limits = new ResponderLimits { MaxIkeSas = 2 });
        pair.Establish();
        var second = pair.Responder.Receive(Pair.SaInit(300), new IPEndPoint(Flooder, 500), pair.Now);
        var third = pair.Responder.Receive(Pair.SaInit(301), new IPEndPoint(IPAddress.Parse("198.51.100.8"), 500), pair.Now);
        Assert.That((second.Send.Count, Limit(second)), Is.EqualTo((1, (string?)null)));
        Assert.That((third.Send.Count, Limit(third)), Is.EqualTo((0, "max_ike_sas")));
        Assert.That(pair.Responder.IkeSaCount, Is.EqualTo(2));
    }

    [Test]
    public void RefusesHalfOpenSasBeyondTheirBound()
    {
        using var pair = new Pair(Suites.Default, responder: r => r.Limits = new ResponderLimits { MaxHalfOpen = 1 });
        pair.Responder.Receive(Pair.SaInit(400), new IPEndPoint(Flooder, 500), pair.Now);
        var refused = pair.Responder.Receive(Pair.SaInit(401), new IPEndPoint(Flooder, 501), pair.Now);
        Assert.That((refused.Send.Count, Limit(refused)), Is.EqualTo((0, "max_half_open")));
    }

    [Test]
    public void DropsADatagramLongerThanTheMaximumBeforeReadingIt()
    {
        using var pair = new Pair(Suites.Default, responder: r => r.Limits = new ResponderLimits { MaxMessageSize = 1280 });
        byte[] init = Pair.SaInit(500);
        byte[] big = IkeMessage.Encode(IkeHeader.TryPeek(init, out var h) ? h : default,
            [.. IkeMessage.Decode(init).Payloads, new VendorIdPayload(new byte[1300])]);
        var step = pair.Responder.Receive(big, new IPEndPoint(Flooder, 500), pair.Now);
        Assert.That((step.Send.Count, Limit(step)), Is.EqualTo((0, "max_message_size")));
        Assert.That(pair.Responder.Receive(init, new IPEndPoint(Flooder, 500), pair.Now).Send, Has.Count.EqualTo(1), "1280 bytes and less pass");
    }

    [Test]
    public void DropsAMessageWithMorePayloadsThanTheMaximum()
    {
        using var pair = new Pair(Suites.Default, responder: r => r.Limits = new ResponderLimits { MaxPayloads = 8 });
        byte[] init = Pair.SaInit(600);
        var payloads = IkeMessage.Decode(init).Payloads;
        IPayload[] padded = [.. payloads, .. Enumerable.Range(0, 9 - payloads.Count).Select(i => new VendorIdPayload(SampleMessages.Filled(8, (byte)i)))];
        var step = pair.Responder.Receive(IkeMessage.Encode(IkeMessage.Decode(init).Header, padded), new IPEndPoint(Flooder, 500), pair.Now);
        Assert.That((step.Send.Count, Limit(step)), Is.EqualTo((0, "max_payloads")));
    }
}
