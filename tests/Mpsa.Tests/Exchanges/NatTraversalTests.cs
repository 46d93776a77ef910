using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>RFC 7296 §2.23: NAT detection in IKE_SA_INIT, the float to port 4500, UDP-encapsulated CHILD_SAs.</summary>
public class NatTraversalTests
{
    private static readonly IPEndPoint Controller = new(IPAddress.Parse("192.0.2.1"), 500);

    private static (IkeInitiator I, IkeResponder R, SecretBytes Psk) Make(IPEndPoint initiatorLocal, bool natDetection = true, bool force = false)
    {
        var psk = SecretBytes.CopyFrom("nat test psk"u8);
        var r = new IkeResponder(new IkeResponderOptions
        {
            Proposals = [Suites.Default], ChildProposals = Suites.Esp, LocalIdentity = Pair.ControllerId,
            FindPeer = _ => new PeerPolicy("cpe", psk), Random = new SeededRandom(3),
        });
        var i = new IkeInitiator(new IkeInitiatorOptions
        {
            Proposals = [Suites.Default], LocalIdentity = Pair.CpeId, RemoteIdentity = Pair.ControllerId, Psk = psk, ChildProposals = Suites.Esp,
            LocalSelectors = [TrafficSelector.ForHost(initiatorLocal.Address)], RemoteSelectors = [TrafficSelector.ForHost(Controller.Address)],
            LocalEndpoint = natDetection ? initiatorLocal : null, ForceUdpEncapsulation = force, Random = new SeededRandom(4),
        }, Controller);
        return (i, r, psk);
    }

    /// <summary>Runs the exchange; the responder sees the initiator as <paramref name="seenAs"/> (a NAT rewrites the source).</summary>
    private static (List<IkeEvent> I, List<IkeEvent> R, List<IPEndPoint> Destinations) Run(IkeInitiator i, IkeResponder r, IPEndPoint seenAs)
    {
        var ie = new List<IkeEvent>();
        var re = new List<IkeEvent>();
        var destinations = new List<IPEndPoint>();
        var now = new MonoTime(0);
        var toR = new Queue<Outgoing>(i.Start(now).Send);
        var toI = new Queue<Outgoing>();
        while (toR.Count + toI.Count > 0)
        {
            while (toR.TryDequeue(out var o))
            {
                destinations.Add(o.To);
                var s = r.Receive(o.Datagram, seenAs, now, local: o.To);
                re.AddRange(s.Events);
                s.Send.ToList().ForEach(toI.Enqueue);
            }
            while (toI.TryDequeue(out var o))
            {
                var s = i.Receive(o.Datagram, Controller, now);
                ie.AddRange(s.Events);
                s.Send.ToList().ForEach(toR.Enqueue);
            }
        }
        return (ie, re, destinations);
    }

    [Test]
    public void StaysOnPort500WithoutNat()
    {
        var cpe = new IPEndPoint(IPAddress.Parse("192.0.2.10"), 500);
        var (i, r, psk) = Make(cpe);
        using (i) using (r) using (psk)
        {
            var (ie, re, destinations) = Run(i, r, cpe);
            Assert.That(destinations.Select(d => d.Port), Is.All.EqualTo(500));
            Assert.That(ie.OfType<ChildSaEstablished>().Single().ChildSa.UdpEncapsulation, Is.False);
            Assert.That(re.OfType<ChildSaEstablished>().Single().ChildSa.UdpEncapsulation, Is.False);
        }
    }

    [Test]
    public void FloatsToPort4500AndEncapsulatesBehindNat()
    {
        var (i, r, psk) = Make(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 500));
        using (i) using (r) using (psk)
        {
            var (ie, re, destinations) = Run(i, r, new IPEndPoint(IPAddress.Parse("198.51.100.7"), 30123));
            // HDR, SAi1, KEi, Ni, N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP) --> port 500; IKE_AUTH --> port 4500
            Assert.That(destinations.Select(d => d.Port), Is.EqualTo(new[] { 500, 4500 }));
            Assert.That(i.Peer.Port, Is.EqualTo(4500));
            Assert.That(ie.OfType<ChildSaEstablished>().Single().ChildSa.UdpEncapsulation, Is.True);
            Assert.That(re.OfType<ChildSaEstablished>().Single().ChildSa.UdpEncapsulation, Is.True);
        }
    }

    [TestCase(false, TestName = "ForcedEncapsulationFloatsAndEncapsulatesWithoutANatAndWithoutSha1")]
    [TestCase(true, TestName = "ForcedEncapsulationFloatsAndEncapsulatesWithoutANatWhereItCouldDetectOne")]
    public void ForcedEncapsulationFloatsAndEncapsulatesWithoutANat(bool natDetection)
    {
        var cpe = new IPEndPoint(IPAddress.Parse("192.0.2.10"), 500);
        var (i, r, psk) = Make(cpe, natDetection, force: true);
        using (i) using (r) using (psk)
        {
            var saInit = IkeMessage.Decode(i.Start(new MonoTime(0)).Send.Single().Datagram);
            var h = saInit.Header;
            var source = saInit.FindNotify(NotifyType.NAT_DETECTION_SOURCE_IP)!.Data;
            var destination = saInit.FindNotify(NotifyType.NAT_DETECTION_DESTINATION_IP)!.Data;
            Assert.That(source, Has.Length.EqualTo(20).And.Not.EqualTo(NatDetection.Hash(h.SpiI, h.SpiR, cpe)), "the source hash is faked");
            Assert.That(destination, natDetection ? Is.EqualTo(NatDetection.Hash(h.SpiI, h.SpiR, Controller)) : Has.Length.EqualTo(20).And.Not.EqualTo(NatDetection.Hash(h.SpiI, h.SpiR, Controller)),
                "the destination's hash is real only where SHA-1 is at hand");
        }
        (i, r, psk) = Make(cpe, natDetection, force: true);
        using (i) using (r) using (psk)
        {
            var (ie, re, destinations) = Run(i, r, cpe);
            Assert.That(destinations.Select(d => d.Port), Is.EqualTo(new[] { 500, 4500 }));
            Assert.That(ie.OfType<ChildSaEstablished>().Single().ChildSa.UdpEncapsulation, Is.True);
            Assert.That(re.OfType<ChildSaEstablished>().Single().ChildSa.UdpEncapsulation, Is.True, "the responder saw a NAT");
        }
    }

    [Test]
    public void MatchesNatDetectionDataOfStrongSwan()
    {
        // strongSwan's IKE_SA_INIT response carries NAT-D; charon with kernel-libipsec fakes NAT (a random NATD_S_IP).
        var f = KnownAnswers.Fixture.Load("strongswan", "aes128-sha256-prfsha256-x25519");
        var response = IkeMessage.Decode(f.Hex("msg_ike_sa_init_response"));
        Assert.That(response.FindNotify(NotifyType.NAT_DETECTION_SOURCE_IP)!.Data, Has.Length.EqualTo(20));
        Assert.That(response.FindNotify(NotifyType.NAT_DETECTION_DESTINATION_IP)!.Data, Has.Length.EqualTo(20));
    }
}
