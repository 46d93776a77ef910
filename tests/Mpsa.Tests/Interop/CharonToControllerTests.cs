using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mpsa.Tests.Interop;

/// <summary>
/// (2) a charon initiator (PSK) connects to mpsa-controller: the IKE SA comes up, the controller pushes the group SA
/// in INFORMATIONAL { N(MPSA_PUT) } (type 40960, unknown to charon) and charon answers it with an empty
/// INFORMATIONAL response, which the controller records as the member's last_acked_spi;
/// (3) for each suite of the core (the default suite's test shares (2)'s run): the IKE SA comes up and the
/// controller's ike_key_fingerprint equals the SHA-256 of the SK_* charon logged.
/// </summary>
[TestFixture(Charon.Debian)]
[TestFixture(Charon.StrongSwan6)]
public partial class CharonToControllerTests(Charon charon) : InteropTest(charon)
{
    [GeneratedRegex(@"parsed INFORMATIONAL request (\d+) \[ (.*) \]")]
    private static partial Regex InformationalRequest();

    [GeneratedRegex(@"generating INFORMATIONAL response (\d+) \[ (.*)\]")]
    private static partial Regex InformationalResponse();

    private const string Scenario = "charon-to-controller";
    private const string Suite = DefaultSuite;

    [Test]
    public void CharonConnectsAndAnswersMpsaPut()
    {
        InteropEnvironment.Require(needAgent: false, needController: true);
        var ev = RunOnce(Scenario, Suite).Evidence;

        var ike = SingleIkeSa(ev.ListSas("cpe"), $"charon initiator (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var log = ev.CharonLog("cpe");
        var status = ev.Status("controller");
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh charon-to-controller {Suite}: {ev.Reason}");
        var group = Find(status, "groups", "name", "office");
        var member = Find(status, "members", "identity", CpeIdentity);

        // charon's INFORMATIONAL requests that carry notify 40960 (printed as an unknown number), and its responses
        var puts = log.Lines(ike.UniqueId, InformationalRequest()).Where(m => m.Groups[2].Value.Contains("40960", StringComparison.Ordinal)).ToList();
        var answers = log.Lines(ike.UniqueId, InformationalResponse()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(ike.State, Is.EqualTo("ESTABLISHED"), "charon IKE SA state");
            Assert.That(ike.Proposal, Is.EqualTo(CharonNames[Suite]), "charon's negotiated IKE proposal");
            Assert.That(ike.RemoteId, Is.EqualTo(HubIdentity), "charon's remote identity");

            Assert.That(Str(member, "state"), Is.EqualTo("connected"), "controller member state");
            Assert.That(Str(member, "group"), Is.EqualTo("office"), "controller member group");
            Assert.That(Str(group, "current_spi"), Does.Match("^[0-9a-fA-F]{8}$"), "controller group current_spi");
            Assert.That(Str(member, "last_acked_spi"), Is.EqualTo(Str(group, "current_spi")).IgnoreCase,
                "controller member last_acked_spi = group current_spi (charon answered the MPSA_PUT)");

            Assert.That(puts, Is.Not.Empty, "charon log: no 'parsed INFORMATIONAL request N [ N(...40960...) ]' (the MPSA_PUT)");
            foreach (var put in puts)
            {
                string id = put.Groups[1].Value;
                Assert.That(answers.Any(a => a.Groups[1].Value == id && a.Groups[2].Value.Trim().Length == 0), Is.True,
                    $"charon log: no empty 'generating INFORMATIONAL response {id} [ ]' for the MPSA_PUT request {id} [ {put.Groups[2].Value} ]");
            }

            AssertStoppedCleanly(ev, "controller");
            AssertNoErrorsLogged(ev, "controller");
        });
    }

    [TestCaseSource(nameof(Suites))]
    public void DerivesTheSameIkeKeysAsCharon(string suite)
    {
        InteropEnvironment.Require(needAgent: false, needController: true);
        var ev = RunOnce(Scenario, suite).Evidence;
        var ike = SingleIkeSa(ev.ListSas("cpe"), $"charon initiator (run-interop.sh: {ev.Outcome}: {ev.Reason})");
        var member = Find(ev.Status("controller"), "members", "identity", CpeIdentity);

        Assert.Multiple(() =>
        {
            Assert.That(ike.State, Is.EqualTo("ESTABLISHED"), "charon IKE SA state");
            Assert.That(ike.Proposal, Is.EqualTo(CharonNames[suite]), "charon's negotiated IKE proposal");
            Assert.That(Str(member, "state"), Is.EqualTo("connected"), "controller member state");
            Assert.That(Str(member, "ike_key_fingerprint"), Is.EqualTo(ev.CharonLog("cpe").IkeKeyFingerprint(ike.UniqueId)),
                "controller member ike_key_fingerprint vs SHA-256(SK_d|SK_ai|SK_ar|SK_ei|SK_er|SK_pi|SK_pr) from charon's log");
        });
    }

    private static JsonElement Find(JsonElement status, string array, string key, string value)
    {
        Assert.That(status.TryGetProperty(array, out var items) && items.ValueKind == JsonValueKind.Array, Is.True,
            $"controller status --json has no '{array}' array: {status.GetRawText()}");
        foreach (var item in items.EnumerateArray())
        {
            if (Str(item, key) == value)
            {
                return item;
            }
        }
        Assert.Fail($"controller status --json: no {array} entry with {key} = {value}: {status.GetRawText()}");
        return default;
    }
}
