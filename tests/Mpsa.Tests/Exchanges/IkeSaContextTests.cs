using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Crypto;

namespace Mpsa.Tests.Exchanges;

/// <summary>One IKE SA's message IDs, SK protection and request queue: a controller's context against a CPE's.</summary>
public class IkeSaContextTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.10"), 500);
    private static readonly MonoTime Now = new(0);

    // A request is sealed as it is made, queued or not: the N(MPSA_PUT) it was given no longer holds SK_d, and the
    // queue holds only ciphertext, which goes out with the next message ID once the request in flight is answered.
    [Test]
    public void ZeroesMpsaPutOnceSealedAndQueuesOnlyCiphertext()
    {
        using var controller = Context(isInitiator: false);
        using var cpe = Context(isInitiator: true);
        using var a = MpsaPutSamples.Make(0xc0000701);
        using var b = MpsaPutSamples.Make(0xc0000702);
        var first = a.ToNotify();
        var second = b.ToNotify();

        // <-- HDR(0), SK {N(MPSA_PUT a)};  HDR(1), SK {N(MPSA_PUT b)} waits behind it
        var step = new StepBuilder();
        controller.Request(MpsaPutKind(a), [first], Now, step);
        controller.Request(MpsaPutKind(b), [second], Now, step);
        var sent = step.Build().Send;
        Assert.Multiple(() =>
        {
            Assert.That(first.Data, Is.All.Zero, "the request sent");
            Assert.That(second.Data, Is.All.Zero, "the request queued");
            Assert.That(sent, Has.Count.EqualTo(1), "window size 1");
            Assert.That(controller.Busy, Is.True);
        });

        // HDR(0), SK {} -->  and the queued request goes out
        byte[] queued = AnswerAndTakeNext(cpe, controller, sent[0].Datagram);
        Assert.That(IkeHeader.TryPeek(queued, out var h) && h.MessageId == 1, "the queued request's message ID");
        Assert.That(queued.AsSpan().IndexOf(b.SkD.Span), Is.EqualTo(-1), "SK_d in the queued datagram");

        var inbound = cpe.Classify(queued, h, Now, new StepBuilder());
        Assert.That(inbound.Kind, Is.EqualTo(InboundKind.Request));
        using var received = MpsaPut.Decode(inbound.Message!.FindNotify(NotifyType.MPSA_PUT)!);
        Assert.That(received.SkD.Span.ToArray(), Is.EqualTo(b.SkD.Span.ToArray()));
    }

    private static byte[] AnswerAndTakeNext(IkeSaContext cpe, IkeSaContext controller, byte[] request)
    {
        Assert.That(IkeHeader.TryPeek(request, out var h));
        var toController = new StepBuilder();
        var inbound = cpe.Classify(request, h, Now, toController);
        Assert.That(inbound.Kind, Is.EqualTo(InboundKind.Request));
        MpsaPut.Decode(inbound.Message!.FindNotify(NotifyType.MPSA_PUT)!).Dispose();
        cpe.SendResponse(h.Exchange, h.MessageId, [], inbound.RequestBytes!, toController);
        byte[] response = toController.Build().Send.Single().Datagram;

        Assert.That(IkeHeader.TryPeek(response, out var rh));
        var next = new StepBuilder();
        Assert.That(controller.Classify(response, rh, Now, next).Kind, Is.EqualTo(InboundKind.Response));
        return next.Build().Send.Single().Datagram;
    }

    private static ExchangeTypeAndKind MpsaPutKind(MpsaPut put) =>
        new(ExchangeType.INFORMATIONAL, RequestKind.MpsaPut, [put.Spi]);

    /// <summary>Both ends derive the same keys from the same inputs (RFC 7296 §2.14); each owns its copy.</summary>
    private static IkeSaContext Context(bool isInitiator)
    {
        byte[] ni = Enumerable.Repeat((byte)1, 32).ToArray();
        byte[] nr = Enumerable.Repeat((byte)2, 32).ToArray();
        byte[] sharedSecret = Enumerable.Repeat((byte)3, 32).ToArray();
        var keys = IkeKeySchedule.Derive(IkeSuite.Default, sharedSecret, ni, nr, 0x1111, 0x2222);
        return new IkeSaContext(isInitiator, new IkeSpi(0x1111), new IkeSpi(0x2222), Peer, keys, ni, nr,
            new SeededRandom(isInitiator ? 1 : 2), RetransmitPolicy.Default);
    }
}
