using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mpsa.Controller;
using Mpsa.Controller.Members;
using Mpsa.Ike.Certificates;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Controller;
using Mpsa.Tests.Exchanges;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Certificates;

/// <summary>A certificate member of the controller, and what a reload with a new CRL does to its IKE SA.</summary>
public class CertificateReloadTests
{
    private static readonly IPEndPoint CpeAddress = new(IPAddress.Parse("198.51.100.1"), 500);

    private sealed class Rig : IDisposable
    {
        /// <param name="controllerAuth">The controller's certificates and trust; <c>pki.Auth(controller)</c> when not given.</param>
        public Rig(TestPki pki, CertificateCredential cpe, CertificateCredential controller, CertificateAuth? controllerAuth = null, ILogger? log = null)
        {
            Pki = pki;
            var harness = new ControllerHarness(0);
            Settings = harness.Settings([new MemberConfig("cpe1", Pair.CpeId, null, harness.Group.Name, true)])
                with { Certificates = controllerAuth ?? pki.Auth(controller) };
            harness.Dispose();
            Engine = new ControllerEngine(Settings, log ?? NullLogger.Instance, new SeededRandom(7), Now);
            Initiator = new IkeInitiator(new IkeInitiatorOptions
            {
                Proposals = [Suites.Default],
                LocalIdentity = Pair.CpeId,
                RemoteIdentity = "controller.example.net",
                Certificates = pki.Auth(cpe),
                ChildProposals = Suites.Esp,
                LocalSelectors = [TrafficSelector.ForHost(CpeAddress.Address)],
                RemoteSelectors = [TrafficSelector.ForHost(ControllerHarness.ControllerAddress.Address)],
                Random = new SeededRandom(11),
            }, ControllerHarness.ControllerAddress);
        }

        public TestPki Pki { get; }
        public ControllerSettings Settings { get; }
        public ControllerEngine Engine { get; }
        public IkeInitiator Initiator { get; }
        public MonoTime Now { get; } = new(1_000_000);
        public List<IkeEvent> CpeEvents { get; } = [];

        /// <summary>Delivers datagrams both ways until none are left.</summary>
        public void Run(IEnumerable<Outgoing> toCpe, IEnumerable<Outgoing> toController)
        {
            var queue = new Queue<(bool ToController, byte[] Datagram)>(toCpe.Select(o => (false, o.Datagram)).Concat(toController.Select(o => (true, o.Datagram))));
            while (queue.TryDequeue(out var d))
            {
                if (d.ToController)
                {
                    foreach (var o in Engine.Receive(d.Datagram, CpeAddress, Now))
                    {
                        queue.Enqueue((false, o.Datagram));
                    }
                }
                else
                {
                    var step = Initiator.Receive(d.Datagram, ControllerHarness.ControllerAddress, Now);
                    CpeEvents.AddRange(step.Events);
                    foreach (var o in step.Send)
                    {
                        queue.Enqueue((true, o.Datagram));
                    }
                    foreach (var r in step.Events.OfType<MpsaReceived>())
                    {
                        // the CPE accepts the group SA it is pushed
                        foreach (var o in Initiator.AnswerMpsaPut(r.MessageId, null, Now).Send)
                        {
                            queue.Enqueue((true, o.Datagram));
                        }
                    }
                }
            }
        }

        public void Dispose()
        {
            Initiator.Dispose();
            Engine.Dispose();
        }
    }

    [Test]
    public void ARevokingCrlOnReloadDeletesTheMembersIkeSaAndAnotherCrlDoesNot()
    {
        using var pki = new TestPki();
        using var cpe = pki.Issue(Pair.CpeId);
        using var other = pki.Issue("cpe2.example.net");
        using var controller = pki.Issue("controller.example.net");
        using var rig = new Rig(pki, cpe, controller);
        rig.Run([], rig.Initiator.Start(rig.Now).Send);
        Assert.That(rig.Engine.ConnectedCount, Is.EqualTo(1), string.Join("; ", rig.CpeEvents));

        var unrelated = rig.Engine.Reload(rig.Settings with { Certificates = pki.Auth(controller, pki.Crl(other.Certificate)) }, rig.Now);
        Assert.That(unrelated, Is.Empty, "a CRL that does not list the member changes nothing");

        var bye = rig.Engine.Reload(rig.Settings with { Certificates = pki.Auth(controller, pki.Crl(cpe.Certificate)) }, rig.Now);
        // <-- HDR, SK {D(IKE)}   HDR, SK {} -->
        rig.Run(bye, []);
        Assert.Multiple(() =>
        {
            Assert.That(bye, Is.Not.Empty, "the controller deletes the revoked member's IKE SA");
            Assert.That(rig.Engine.ConnectedCount, Is.Zero);
            Assert.That(rig.CpeEvents.OfType<PeerGone>().Single().Reason, Is.EqualTo(PeerGoneReason.DeletedByPeer));
        });
    }

    [Test]
    public void RefusesAMemberWhileTheCrlOfItsCaIsPastNextUpdateWithALineNamingTheCrl()
    {
        using var pki = new TestPki();
        using var cpe = pki.Issue(Pair.CpeId);
        using var controller = pki.Issue("controller.example.net");
        var stale = new CertificateTrust([X509CertificateLoader.LoadCertificate(pki.Ca.RawData)],
            [RevocationList.Parse(pki.Crl(TestPki.Now.AddHours(-1)), "/etc/mpsa/ca.crl")]);
        var log = new RecordingLogger();
        using var rig = new Rig(pki, cpe, controller, new CertificateAuth(controller, stale) { Now = () => TestPki.Now }, log);
        // HDR, SK {IDi, CERT, CERTREQ, IDr, AUTH, ...} -->   <-- HDR, SK {N(AUTHENTICATION_FAILED)}
        rig.Run([], rig.Initiator.Start(rig.Now).Send);
        Assert.That(rig.Engine.ConnectedCount, Is.Zero);
        Assert.That(log.Lines.Where(l => l.EventId == 202).Select(l => l.Text).Single(), Is.EqualTo(
            "peer 198.51.100.1:500 refused: cpe1.example.net: revocation of certificate 'C=CH, O=mpsa test, CN=cpe1.example.net' "
            + "(serial 01000000) unknown: CRL /etc/mpsa/ca.crl of 'C=CH, O=mpsa test, CN=mpsa test CA' is past its nextUpdate "
            + "2026-06-01 11:00:00Z; refused until a current CRL is loaded"));
    }
}
