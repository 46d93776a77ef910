using Mpsa.Ike.Exchanges;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Controller;

/// <summary>The controller finds a member by the type and value of its IDi, never by how the identity prints.</summary>
public class MemberIdentityTests
{
    private static string StateOf(ControllerHarness h, string member) =>
        h.Engine.Status(h.Now).Members.Single(m => m.Name == member).State;

    [Test]
    public void DoesNotTakeTheSameTextUnderAnotherIdTypeForAMember()
    {
        var log = new RecordingLogger();
        using var h = new ControllerHarness(1, log: log);
        // IDi = ID_KEY_ID 'cpe1.example.net' with cpe1's PSK: the member is the ID_FQDN of that name.
        var cpe = h.ConnectAs(1, "keyid:cpe1.example.net");
        Assert.That(cpe.Initiator.Phase, Is.Not.EqualTo(InitiatorPhase.Established));
        Assert.That(log.Lines.Where(l => l.EventId == 202).Select(l => l.Text),
            Has.Some.EqualTo("peer 198.51.100.1:500 refused: unknown identity ID_KEY_ID 'cpe1.example.net'"));
        Assert.That(StateOf(h, "cpe1"), Is.Not.EqualTo("connected"));
        Assert.That(h.ConnectAs(1, "CPE1.Example.Net").Initiator.Phase, Is.EqualTo(InitiatorPhase.Established), "an FQDN ignores case");
    }

    [Test]
    public void FindsADnMemberAsRfc5280ComparesNamesNotByItsText()
    {
        // cpe1 is two RDNs; cpe2 one RDN whose O value holds ", CN=cpe1". Each CPE has its own PSK.
        using var h = new ControllerHarness(2, identityOf: i => i == 1 ? "O=Example, CN=cpe1" : @"O=Example\, CN=cpe1");
        Assert.That(h.ConnectAs(1, "o=EXAMPLE ,  cn=CPE1").Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        Assert.That(StateOf(h, "cpe1"), Is.EqualTo("connected"));
        Assert.That(h.ConnectAs(2, "O=\"example, cn=CPE1\"").Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        Assert.That(StateOf(h, "cpe2"), Is.EqualTo("connected"));
        // cpe1's CPE naming itself like cpe2 is looked up as cpe2, whose PSK it does not have.
        var lookalike = h.ConnectAs(1, @"O=Example\, CN=cpe1", new System.Net.IPEndPoint(System.Net.IPAddress.Parse("198.51.100.9"), 500));
        Assert.That(lookalike.Initiator.Phase, Is.Not.EqualTo(InitiatorPhase.Established));
    }

    [Test]
    public void LogsAnUnknownIdentityWithItsControlCharactersEscaped()
    {
        var log = new RecordingLogger();
        using var h = new ControllerHarness(1, log: log);
        // IDi = ID_FQDN "evil<LF><ESC>[31mcpe1.example.net": a line break and a terminal colour from the wire.
        h.ConnectAs(1, "evil\n\u001b[31mcpe1.example.net");
        Assert.That(log.Lines.Single(l => l.EventId == 202).Text,
            Is.EqualTo(@"peer 198.51.100.1:500 refused: unknown identity ID_FQDN 'evil\n\x1b[31mcpe1.example.net'"));
        Assert.That(log.Lines.Select(l => l.Text), Has.None.Contains("\n").And.None.Contains("\u001b"));
    }

    [Test]
    public void LogsRefusalsOfOneAddressOncePerIntervalAndStillThoseOfOthers()
    {
        var log = new RecordingLogger();
        using var h = new ControllerHarness(2, log: log);
        var flood = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("203.0.113.66"), 500);
        for (int i = 0; i < 30; i++)
        {
            h.ConnectAs(1, $"stranger{i}.example.net", flood);
        }
        var refusals = log.Lines.Where(l => l.EventId is 202 or 211).Select(l => l.Text).ToList();
        Assert.That(refusals, Is.EqualTo(new[] { "peer 203.0.113.66:500 refused: unknown identity ID_FQDN 'stranger0.example.net'" }));

        h.ConnectAs(2, "other.example.net");
        Assert.That(log.Lines.Where(l => l.EventId == 202).Select(l => l.Text),
            Has.Some.EqualTo("peer 198.51.100.2:500 refused: unknown identity ID_FQDN 'other.example.net'"), "another address is still heard");

        h.Advance(TimeSpan.FromSeconds(10));
        h.ConnectAs(1, "stranger30.example.net", flood);
        Assert.That(log.Lines.Single(l => l.EventId == 211).Text, Is.EqualTo("peer 203.0.113.66:500 refused: unknown identity ID_FQDN "
            + "'stranger30.example.net' (29 more refusals of its address not logged: one line per 10 s)"));
    }
}

