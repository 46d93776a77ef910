using Mpsa.Controller.Metrics;

namespace Mpsa.Tests.Metrics;

/// <summary>The responder's free-text drop reasons become a few label values (one series per cause, not per datagram).</summary>
public class DropCauseTests
{
    [TestCase("shorter than an IKE header", "malformed")]
    [TestCase("malformed IKE_SA_INIT: Truncated", "malformed")]
    [TestCase("no IKE SA 0102030405060708/0000000000000000", "unknown_sa")]
    [TestCase("integrity check failed", "integrity")]
    [TestCase("retransmitted request, cached response sent again", "retransmission")]
    [TestCase("stale request, message ID 4", "retransmission")]
    [TestCase("initiator's KE value is invalid", "invalid_ke")]
    [TestCase("unexpected response, message ID 9", "unexpected")]
    public void GivesABoundedCause(string reason, string cause) => Assert.That(DropCause.Of(reason), Is.EqualTo(cause));

    [TestCase("IKE_SA_INIT refused with NO_PROPOSAL_CHOSEN: no common suite", "no_proposal_chosen")]
    [TestCase("IKE_SA_INIT refused with INVALID_KE_PAYLOAD", "invalid_ke_payload")]
    [TestCase("IKE_SA_INIT refused with 4711 (odd): x", "other")]
    [TestCase("no IKE SA 1/2", null)]
    public void NamesTheNotifyOfARefusedSaInit(string reason, string? notify) =>
        Assert.That(DropCause.SaInitRefusal(reason), Is.EqualTo(notify));
}
