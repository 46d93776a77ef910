using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>
/// <see cref="IkeResponderOptions.OffloadSaInit"/>: IKE_SA_INIT answered in two halves, the key exchange on another
/// thread, the SA created when <see cref="IkeResponder.CompleteSaInit"/> takes the job back.
/// </summary>
public class SaInitOffloadTests
{
    private static readonly IPAddress Other = IPAddress.Parse("198.51.100.9");

    private static Pair Offloading(List<SaInitJob> jobs, Action<ResponderSettings>? more = null) =>
        new(Suites.Default, responder: r =>
        {
            r.OffloadSaInit = jobs.Add;
            more?.Invoke(r);
        });


    [Test]
    public async Task EstablishesWithTheKeyExchangeRunOnAnotherThread()
    {
        var jobs = new List<SaInitJob>();
        using var pair = Offloading(jobs);

        // HDR, SAi1, KEi, Ni  -->  (nothing yet: the job is out)
        pair.FromInitiator(pair.Initiator.Start(pair.Now));
        pair.Deliver();
        Assert.That(jobs, Has.Count.EqualTo(1));
        Assert.That(pair.Wire.Count(w => !w.ToResponder), Is.Zero);
        Assert.That((pair.Responder.HalfOpenCount, pair.Responder.PendingSaInitCount, pair.Responder.IkeSaCount), Is.EqualTo((1, 1, 0)));

        await Task.Run(jobs[0].Run);

        // <--  HDR, SAr1, KEr, Nr; then IKE_AUTH as always
        pair.FromResponder(pair.Responder.CompleteSaInit(jobs[0], pair.Now));
        Assert.That((pair.Responder.HalfOpenCount, pair.Responder.PendingSaInitCount, pair.Responder.IkeSaCount), Is.EqualTo((1, 0, 1)));
        pair.Drive(() => pair.Initiator.Phase is InitiatorPhase.Established or InitiatorPhase.Gone);

        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        var up = pair.Single<IkeSaEstablished>(pair.ResponderEvents);
        Assert.That(up.SpiR, Is.EqualTo(pair.Initiator.SpiR));
        Assert.That(pair.Responder.EstablishedCount, Is.EqualTo(1));
        Assert.That(jobs, Has.Count.EqualTo(1));
    }

    [Test]
    public void DropsARepeatedSaInitWhileItsJobRunsThenReplaysTheResponse()
    {
        var jobs = new List<SaInitJob>();
        using var pair = Offloading(jobs);
        byte[] init = Pair.SaInit(0x1111);
        var from = new IPEndPoint(Other, 500);

        Assert.That(pair.Responder.Receive(init, from, pair.Now).Send, Is.Empty);
        var again = pair.Responder.Receive(init, from, pair.Now);
        Assert.That(again.Send, Is.Empty);
        Assert.That(again.Events.OfType<MessageDropped>().Single().Reason, Does.Contain("repeated"));
        Assert.That(jobs, Has.Count.EqualTo(1));

        jobs[0].Run();
        byte[] response = pair.Responder.CompleteSaInit(jobs[0], pair.Now).Send.Single().Datagram;
        var replay = pair.Responder.Receive(init, from, pair.Now).Send.Single().Datagram;

        Assert.That(replay, Is.EqualTo(response));
        Assert.That(jobs, Has.Count.EqualTo(1));
    }

    [Test]
    public void CountsAPendingJobAsHalfOpenForCookiesAndLimits()
    {
        var jobs = new List<SaInitJob>();
        using var pair = Offloading(jobs, r =>
        {
            r.CookieThreshold = 1;
            r.Limits = new ResponderLimits { MaxIkeSasPerAddress = 1 };
        });
        Assert.That(pair.Responder.Receive(Pair.SaInit(1), new IPEndPoint(Other, 500), pair.Now).Send, Is.Empty);

        // One half-open (pending) SA reaches the threshold: the next request without a cookie gets one.
        var second = pair.Responder.Receive(Pair.SaInit(2), new IPEndPoint(IPAddress.Parse("198.51.100.10"), 500), pair.Now);
        var cookie = IkeMessage.Decode(second.Send.Single().Datagram).Payloads.OfType<NotifyPayload>().Single();
        Assert.That(cookie.NotifyType, Is.EqualTo(NotifyType.COOKIE));
        Assert.That(jobs, Has.Count.EqualTo(1));
    }

    [Test]
    public void ReleasesTheReservationOfAJobThatDidNotRun()
    {
        var jobs = new List<SaInitJob>();
        using var pair = Offloading(jobs, r => r.Limits = new ResponderLimits { MaxIkeSasPerAddress = 1 });
        var from = new IPEndPoint(Other, 500);
        pair.Responder.Receive(Pair.SaInit(1), from, pair.Now);

        var failed = pair.Responder.CompleteSaInit(jobs[0], pair.Now);   // never run: no keys
        Assert.That(failed.Send, Is.Empty);
        Assert.That(failed.Events.OfType<MessageDropped>().Single().Reason, Does.Contain("did not run"));
        Assert.That((pair.Responder.HalfOpenCount, pair.Responder.IkeSaCount), Is.EqualTo((0, 0)));

        // The address's share is free again; a job taken back twice is ignored the second time.
        pair.Responder.Receive(Pair.SaInit(2), from, pair.Now);
        Assert.That(jobs, Has.Count.EqualTo(2));
        jobs[1].Run();
        Assert.That(pair.Responder.CompleteSaInit(jobs[1], pair.Now).Send, Has.Count.EqualTo(1));
        Assert.That(pair.Responder.CompleteSaInit(jobs[1], pair.Now).Send, Is.Empty);
        Assert.That(pair.Responder.IkeSaCount, Is.EqualTo(1));
    }

    [Test]
    public void AnswersAnInvalidKeValueWithInvalidSyntaxAsInline()
    {
        var jobs = new List<SaInitJob>();
        using var pair = Offloading(jobs);
        byte[] init = Pair.SaInit(7);
        var message = IkeMessage.Decode(init);
        var ke = message.Payloads.OfType<KeyExchangePayload>().Single();
        // An all-zero X25519 value is a low-order point (RFC 7748 §6.1): the shared secret is refused.
        int at = init.AsSpan().IndexOf(ke.Data);
        init.AsSpan(at, ke.Data.Length).Clear();

        pair.Responder.Receive(init, new IPEndPoint(Other, 500), pair.Now);
        jobs.Single().Run();
        var answer = pair.Responder.CompleteSaInit(jobs[0], pair.Now);

        var notify = IkeMessage.Decode(answer.Send.Single().Datagram).Payloads.OfType<NotifyPayload>().Single();
        Assert.That(notify.NotifyType, Is.EqualTo(NotifyType.INVALID_SYNTAX));
        Assert.That((pair.Responder.HalfOpenCount, pair.Responder.IkeSaCount), Is.EqualTo((0, 0)));
    }
}
