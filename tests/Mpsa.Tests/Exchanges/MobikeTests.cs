using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>
/// MOBIKE (RFC 4555) between the CPE's initiator and the controller's responder, in memory: the CPE's address is
/// whatever the link says it is, so it can change (a new WAN address) or be rewritten (a NAT) between messages.
/// </summary>
public class MobikeTests
{
    private static readonly IPEndPoint Controller = new(IPAddress.Parse("192.0.2.1"), 500);
    private static readonly IPEndPoint FirstAddress = new(IPAddress.Parse("192.0.2.10"), 500);
    private static readonly IPEndPoint SecondAddress = new(IPAddress.Parse("192.0.2.20"), 500);

    private sealed class Link : IDisposable
    {
        private readonly SecretBytes _psk = SecretBytes.CopyFrom("mobike test psk"u8);

        public Link(bool initiatorMobike = true, bool responderMobike = true, bool forceEncapsulation = false)
        {
            Responder = new IkeResponder(new IkeResponderOptions
            {
                Proposals = [Suites.Default], ChildProposals = Suites.Esp, LocalIdentity = Pair.ControllerId,
                FindPeer = _ => new PeerPolicy("cpe", _psk), Random = new SeededRandom(3), Mobike = responderMobike,
            });
            Initiator = new IkeInitiator(new IkeInitiatorOptions
            {
                Proposals = [Suites.Default], LocalIdentity = Pair.CpeId, RemoteIdentity = Pair.ControllerId, Psk = _psk, ChildProposals = Suites.Esp,
                LocalSelectors = [TrafficSelector.ForHost(FirstAddress.Address)], RemoteSelectors = [TrafficSelector.ForHost(Controller.Address)],
                LocalEndpoint = FirstAddress, Random = new SeededRandom(4), Mobike = initiatorMobike, ForceUdpEncapsulation = forceEncapsulation,
            }, Controller);
        }

        public IkeInitiator Initiator { get; }
        public IkeResponder Responder { get; }
        public MonoTime Now { get; set; } = new(0);

        /// <summary>The CPE's source as the controller sees it.</summary>
        public IPEndPoint SeenAs { get; set; } = FirstAddress;

        /// <summary>The address the CPE receives on: datagrams to any other (but <see cref="SeenAs"/>) are lost.</summary>
        public IPEndPoint Listening { get; set; } = FirstAddress;

        public List<IkeEvent> CpeEvents { get; } = [];
        public List<IkeEvent> ControllerEvents { get; } = [];
        public List<IPEndPoint> ControllerSentTo { get; } = [];
        public Func<bool, bool> DropNext { get; set; } = _ => false;
        public int ControllerReceived { get; private set; }

        private readonly Queue<Outgoing> _toController = new();
        private readonly Queue<Outgoing> _toCpe = new();

        public void FromCpe(Step s)
        {
            CpeEvents.AddRange(s.Events);
            foreach (var o in s.Send)
            {
                _toController.Enqueue(o);
            }
            foreach (var r in s.Events.OfType<MpsaReceived>())
            {
                FromCpe(Initiator.AnswerMpsaPut(r.MessageId, null, Now));
            }
        }

        public void FromController(Step s)
        {
            ControllerEvents.AddRange(s.Events);
            foreach (var o in s.Send)
            {
                ControllerSentTo.Add(o.To);
                _toCpe.Enqueue(o);
            }
        }

        public void Deliver()
        {
            while (_toController.Count + _toCpe.Count > 0)
            {
                while (_toController.TryDequeue(out var o))
                {
                    if (DropNext(true))
                    {
                        continue;
                    }
                    ControllerReceived++;
                    FromController(Responder.Receive(o.Datagram, SeenAs, Now, local: Controller));
                }
                while (_toCpe.TryDequeue(out var o))
                {
                    if (DropNext(false) || !(o.To.Equals(Listening) || o.To.Equals(SeenAs)))   // a NAT maps its outside address back
                    {
                        continue;
                    }
                    FromCpe(Initiator.Receive(o.Datagram, Controller, Now));
                }
            }
        }

        /// <summary>Jumps to the next deadline of either side and delivers what their timers sent.</summary>
        public void Tick()
        {
            var next = MonoTime.Min(Initiator.NextDeadline, Responder.NextDeadline);
            Assert.That(next, Is.Not.Null, "nothing is waiting for a timer");
            Now = next!.Value;
            FromCpe(Initiator.OnTimeout(Now));
            FromController(Responder.OnTimeout(Now));
            Deliver();
        }

        public void Connect()
        {
            FromCpe(Initiator.Start(Now));
            Deliver();
            Assert.That(Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        }

        /// <summary>The CPE's address changes to <paramref name="to"/> (seen as <paramref name="seenAs"/>) and it moves the SA.</summary>
        public void Move(IPEndPoint to, IPEndPoint? seenAs = null)
        {
            (Listening, SeenAs) = (to, seenAs ?? to);
            FromCpe(Initiator.UpdateAddresses(to, Now));
            Deliver();
        }

        public IPEndPoint ControllersView => Responder.EstablishedSas.Single().Peer;

        public void Dispose()
        {
            Initiator.Dispose();
            Responder.Dispose();
            _psk.Dispose();
        }
    }

    [Test]
    public void BothSidesAnnounceMobikeInIkeAuth()
    {
        using var link = new Link();
        link.Connect();
        Assert.That(link.Initiator.CanMove, Is.True);
    }

    [TestCase(false, true)]
    [TestCase(true, false)]
    public void WithoutMobikeOnEitherSideTheSaCannotMove(bool initiatorMobike, bool responderMobike)
    {
        using var link = new Link(initiatorMobike, responderMobike);
        link.Connect();
        Assert.That(link.Initiator.CanMove, Is.False);
    }

    [Test]
    public void UpdateSaAddressesMovesTheSameIkeSaToTheNewAddress()
    {
        using var link = new Link();
        link.Connect();
        var (spiI, spiR) = (link.Initiator.SpiI, link.Initiator.SpiR);
        link.ControllerSentTo.Clear();

        link.Move(SecondAddress);

        var moved = link.ControllerEvents.OfType<PeerMoved>().Single();
        var done = link.CpeEvents.OfType<IkeSaMoved>().Single();
        Assert.Multiple(() =>
        {
            Assert.That((moved.From, moved.To), Is.EqualTo((FirstAddress, SecondAddress)), "the controller's event");
            Assert.That(moved.NatDetected, Is.False, "NAT-D in the update: no NAT");
            Assert.That(done.NatChanged, Is.False);
            Assert.That(link.ControllerSentTo, Is.All.EqualTo(SecondAddress), "the answer goes to the new address");
            Assert.That(link.ControllersView, Is.EqualTo(SecondAddress));
            Assert.That((link.Initiator.SpiI, link.Initiator.SpiR), Is.EqualTo((spiI, spiR)), "the same IKE SA");
            Assert.That(link.CpeEvents.OfType<PeerGone>(), Is.Empty);
        });

        // the controller's own requests (liveness, MPSA_PUT) go to the new address from now on, and are answered
        link.ControllerSentTo.Clear();
        link.FromController(link.Responder.CheckLiveness(link.Responder.EstablishedSas.Single().SpiR, link.Now));
        link.Deliver();
        Assert.That(link.ControllerSentTo, Is.EqualTo(new[] { SecondAddress }));
        Assert.That(link.ControllerEvents.OfType<LivenessConfirmed>(), Has.Exactly(1).Items);
    }

    [Test]
    public void NatDetectionIsRecheckedOnEveryMove()
    {
        using var link = new Link();
        link.Connect();
        var behindNat = new IPEndPoint(IPAddress.Parse("198.51.100.7"), 30123);

        link.Move(SecondAddress, seenAs: behindNat);

        var moved = link.ControllerEvents.OfType<PeerMoved>().Single();
        var done = link.CpeEvents.OfType<IkeSaMoved>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(moved.To, Is.EqualTo(behindNat));
            Assert.That(moved.NatDetected, Is.True, "the controller: the update's NAT-D data does not match its source");
            Assert.That(done.NatDetected, Is.True, "the CPE: the answer's NAT-D data does not match our address");
            Assert.That(done.NatChanged, Is.True, "no NAT before, one now: ESP's encapsulation no longer fits");
        });
    }

    [Test]
    public void ForcedEncapsulationStaysAcrossAMoveWithoutANat()
    {
        using var link = new Link(forceEncapsulation: true);
        link.Connect();

        link.Move(SecondAddress);

        var moved = link.ControllerEvents.OfType<PeerMoved>().Single();
        var done = link.CpeEvents.OfType<IkeSaMoved>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(link.Initiator.Peer.Port, Is.EqualTo(4500), "on the NAT-T port since IKE_SA_INIT");
            Assert.That(moved.NatDetected, Is.True, "the controller: the update's faked NAT-D data says NAT");
            Assert.That((done.NatDetected, done.NatChanged), Is.EqualTo((true, false)), "the CPE keeps ESP in UDP: no new SA");
        });
    }

    [Test]
    public void ALostUpdateIsRetransmittedAndMovesTheSaOnce()
    {
        using var link = new Link();
        link.Connect();
        int lost = 0;
        link.DropNext = toController => toController && lost++ == 0;   // the first UPDATE_SA_ADDRESSES

        link.Move(SecondAddress);
        Assert.That(link.CpeEvents.OfType<IkeSaMoved>(), Is.Empty, "nothing answered yet");
        link.Tick();

        Assert.That(link.ControllerEvents.OfType<PeerMoved>(), Has.Exactly(1).Items);
        Assert.That(link.CpeEvents.OfType<IkeSaMoved>(), Has.Exactly(1).Items);
        Assert.That(link.ControllersView, Is.EqualTo(SecondAddress));
    }

    [Test]
    public void ALostAnswerIsSentAgainToTheNewAddressWithoutASecondMove()
    {
        using var link = new Link();
        link.Connect();
        int lost = 0;
        link.DropNext = toController => !toController && lost++ == 0;   // the answer to UPDATE_SA_ADDRESSES
        link.ControllerSentTo.Clear();

        link.Move(SecondAddress);
        link.Tick();

        Assert.That(link.ControllerEvents.OfType<PeerMoved>(), Has.Exactly(1).Items, "the retransmitted request is answered from the cache");
        Assert.That(link.CpeEvents.OfType<IkeSaMoved>(), Has.Exactly(1).Items);
        Assert.That(link.ControllerSentTo, Is.EqualTo(new[] { SecondAddress, SecondAddress }));
    }

    [Test]
    public void AnUpdateOverlappedByANewerOneEndsAtTheNewest()
    {
        using var link = new Link();
        link.Connect();
        var third = new IPEndPoint(IPAddress.Parse("192.0.2.30"), 500);
        (link.Listening, link.SeenAs) = (SecondAddress, SecondAddress);
        int lost = 0;
        link.DropNext = toController => !toController && lost++ == 0;            // .20 is gone before the answer comes
        link.FromCpe(link.Initiator.UpdateAddresses(SecondAddress, link.Now));   // sent from .20
        link.FromCpe(link.Initiator.UpdateAddresses(third, link.Now));          // queued behind it
        link.Deliver();
        (link.Listening, link.SeenAs) = (third, third);
        link.Tick();   // the first one again, from .30: answered from the cache; then the newer one

        Assert.That(link.ControllersView, Is.EqualTo(third));
        Assert.That(link.CpeEvents.OfType<IkeSaMoved>().Single().Local, Is.EqualTo(third), "only the newest update's answer counts");
    }

    [Test]
    public void WithMobikeARequestFromElsewhereIsAnsweredThereButDoesNotMoveTheSa()
    {
        using var link = new Link();
        link.Connect();
        link.ControllerSentTo.Clear();
        (link.Listening, link.SeenAs) = (SecondAddress, SecondAddress);

        link.FromCpe(link.Initiator.CheckLiveness(link.Now));
        link.Deliver();

        Assert.That(link.ControllerSentTo, Is.EqualTo(new[] { SecondAddress }), "RFC 7296 §2.11: the answer goes where the request came from");
        Assert.That(link.CpeEvents.OfType<LivenessConfirmed>(), Has.Exactly(1).Items);
        Assert.That(link.ControllersView, Is.EqualTo(FirstAddress), "RFC 4555 §3.5: only UPDATE_SA_ADDRESSES moves the SA");
    }

    [Test]
    public void BehindANatANewPortIsFollowedButANewAddressWaitsForAnUpdate()
    {
        using var link = new Link();
        var outside = new IPEndPoint(IPAddress.Parse("198.51.100.7"), 30123);
        link.SeenAs = outside;
        link.Connect();
        Assert.That(link.ControllersView.Address, Is.EqualTo(outside.Address), "NAT detected at IKE_SA_INIT; the SA floated to 4500");

        // the NAT rebinds: same outside address, another port (the member cannot see it)
        var rebound = new IPEndPoint(outside.Address, 40000);
        link.SeenAs = rebound;
        link.FromCpe(link.Initiator.CheckLiveness(link.Now));
        link.Deliver();
        Assert.That(link.ControllersView, Is.EqualTo(rebound));
        Assert.That(link.ControllerEvents.OfType<PeerMoved>().Single().To, Is.EqualTo(rebound));

        // another outside address: only UPDATE_SA_ADDRESSES moves the SA there
        link.SeenAs = new IPEndPoint(IPAddress.Parse("198.51.100.8"), 40000);
        link.FromCpe(link.Initiator.CheckLiveness(link.Now));
        link.Deliver();
        Assert.That(link.ControllersView, Is.EqualTo(rebound));
        Assert.That(link.CpeEvents.OfType<LivenessConfirmed>(), Has.Exactly(2).Items, "both liveness checks answered where they came from");
    }

    [Test]
    public void WithoutMobikeNothingIsSentAndTheControllerFollowsAnyAuthenticatedMessage()
    {
        using var link = new Link(initiatorMobike: true, responderMobike: false);
        link.Connect();
        (link.Listening, link.SeenAs) = (SecondAddress, SecondAddress);

        Assert.That(link.Initiator.UpdateAddresses(SecondAddress, link.Now).Send, Is.Empty, "no UPDATE_SA_ADDRESSES without MOBIKE");
        link.FromCpe(link.Initiator.CheckLiveness(link.Now));
        link.Deliver();

        Assert.That(link.ControllersView, Is.EqualTo(SecondAddress), "RFC 7296 §2.23: an authenticated message from a new address");
        var followed = link.ControllerEvents.OfType<PeerMoved>().Single();
        Assert.That((followed.From, followed.To, followed.NatDetected), Is.EqualTo((FirstAddress, SecondAddress, (bool?)null)), "no NAT-D: not an update");
    }
}
