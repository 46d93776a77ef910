using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mpsa.Tests.Interop;

/// <summary>
/// charon starts the rekeys (RFC 7296 §1.3.2, §1.3.3, §2.8) and our daemons follow them (docs/PROTOCOL.md §8 "Rekeying"),
/// through tests/interop/run-interop-rekey.sh: charon's IKE SA or CHILD_SA has `rekey_time = 10s`, `rand_time = 0`.
/// (1) agent → charon responder, charon rekeys the IKE SA: one IKE SA with new SPIs, the old one deleted, the agent's
/// status names the new SA (and the keys charon derived for it), and a liveness check on it is answered;
/// (2) the same with the CHILD_SA: new SPIs at charon and in the agent's status, the old CHILD_SA gone;
/// (3) charon initiator → controller, charon rekeys the IKE SA: the controller follows, and the next group SA, pushed
/// after the rekey (group lifetime 26 s, rekey_margin 10 s), is acknowledged on the new IKE SA;
/// (4) the same with the CHILD_SA.
/// Each test prints the charon log lines that prove the rekey ("charon: ...").
/// </summary>
[TestFixture(Charon.Debian)]
[TestFixture(Charon.StrongSwan6)]
public partial class RekeyInteropTests(Charon charon) : InteropTest(charon)
{
    private const string Suite = DefaultSuite;

    // 03:11:28 11[IKE] <mpsa|1> IKE_SA mpsa[2] rekeyed between 10.91.0.1[...]...10.91.0.2[...]
    [GeneratedRegex(@"^\S+ \d+\[\w+\] <(?:[^|>]*\|)?(\d+)> (.*)$")]
    private static partial Regex CharonLine();

    // ---------------------------------------------------------------- (1) agent, charon rekeys the IKE SA

    [Test]
    public void CharonRekeysTheAgentsIkeSa()
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-to-charon-rekey-ike", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-to-charon-rekey-ike: {ev.Reason}");
        var (before, after) = IkeRekeyAtCharon(ev, "hub");
        var status = ev.Status("agent");
        var first = ev.Status("agent-before");
        string log = ev.Text("agent-at-outcome.log") ?? "";
        var rekeyed = Lines(log, @"mpsa-agent\[210\] IKE SA with the controller rekeyed, ([0-9a-f]{16}) -> ([0-9a-f]{16})");

        Assert.Multiple(() =>
        {
            // the agent's view before and after: the SA charon lists (roles: see the ignored test below)
            Assert.That(Spis(first), Is.EquivalentTo(new[] { before.SpiI, before.SpiR }), "agent ike_sa SPIs before the rekey = charon's first IKE SA");
            Assert.That(Spis(status), Is.EquivalentTo(new[] { after.SpiI, after.SpiR }), "agent ike_sa SPIs after the rekey = charon's new IKE SA");
            Assert.That(Str(status, "controller", "state"), Is.EqualTo("connected"), "agent controller.state");
            Assert.That(Str(status, "ike_sa", "suite"), Is.EqualTo(Suite), "agent ike_sa.suite");
            Assert.That(Str(status, "ike_sa", "key_fingerprint"), Is.EqualTo(RekeyedKeyFingerprint(ev, "hub", after.UniqueId)),
                "agent ike_sa.key_fingerprint vs SHA-256(SK_*) charon derived for the new IKE SA (RFC 7296 §2.18)");
            // the CHILD_SA moved to the new IKE SA unchanged
            Assert.That(Str(status, "child_sa", "inbound_spi"), Is.EqualTo(after.Children[0].OutSpi), "agent child_sa.inbound_spi (unchanged by an IKE SA rekey)");
            Assert.That(Str(status, "child_sa", "outbound_spi"), Is.EqualTo(after.Children[0].InSpi), "agent child_sa.outbound_spi (unchanged by an IKE SA rekey)");
            // the agent's log: event 210 from charon's old SPI (it was the responder) to its new one (now the initiator)
            Assert.That(rekeyed, Is.Not.Empty, "agent log: no event 210 'IKE SA with the controller rekeyed'");
            if (rekeyed.Count > 0)
            {
                Assert.That(rekeyed[0].Groups[1].Value, Is.EqualTo(before.SpiR), "agent event 210: old SPI = charon's SPI of the first IKE SA");
                Assert.That(rekeyed[^1].Groups[2].Value, Is.EqualTo(after.SpiI), "agent event 210: new SPI = charon's SPI of the new IKE SA");
            }
            AssertLivenessAnsweredAfterTheRekey(ev, after);
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }

    [Test]
    public void AfterCharonsIkeRekeyTheAgentNamesTheSpisByRole()
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-to-charon-rekey-ike", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-to-charon-rekey-ike: {ev.Reason}");
        var after = SingleIkeSa(ev.ListSas("hub"), "charon responder after the rekey");
        var status = ev.Status("agent");
        Assert.Multiple(() =>
        {
            Assert.That(Str(status, "ike_sa", "spi_i"), Is.EqualTo(after.SpiI), "agent ike_sa.spi_i = charon's SPI (charon initiated the rekey)");
            Assert.That(Str(status, "ike_sa", "spi_r"), Is.EqualTo(after.SpiR), "agent ike_sa.spi_r = the agent's SPI");
        });
    }

    // ---------------------------------------------------------------- (2) agent, charon rekeys the CHILD_SA

    [Test]
    public void CharonRekeysTheAgentsChildSa()
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-to-charon-rekey-child", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-to-charon-rekey-child: {ev.Reason}");
        var (_, after, child) = ChildRekeyAtCharon(ev, "hub");
        var status = ev.Status("agent");
        string log = ev.Text("agent-at-outcome.log") ?? "";

        Assert.Multiple(() =>
        {
            Assert.That(Str(status, "controller", "state"), Is.EqualTo("connected"), "agent controller.state");
            Assert.That(Spis(status), Is.EquivalentTo(new[] { after.SpiI, after.SpiR }), "agent ike_sa SPIs = charon's (unchanged by a CHILD_SA rekey)");
            Assert.That(Str(status, "child_sa", "inbound_spi"), Is.EqualTo(child.OutSpi), "agent child_sa.inbound_spi = charon's new outbound SPI");
            Assert.That(Str(status, "child_sa", "outbound_spi"), Is.EqualTo(child.InSpi), "agent child_sa.outbound_spi = charon's new inbound SPI");
            Assert.That(Str(status, "child_sa", "suite"), Is.EqualTo(CoreSuites[Suite]), "agent child_sa.suite");
            Assert.That(log, Does.Contain($"mpsa-agent[204] CHILD_SA in={child.OutSpi} out={child.InSpi} "),
                "agent log: event 204 for the rekeyed CHILD_SA");
            AssertLivenessAnsweredAfterTheRekey(ev, after);
            AssertStoppedCleanly(ev, "agent");
            AssertNoErrorsLogged(ev, "agent");
        });
    }

    [Test]
    public void TheAgentInstallsTheChildSaCharonRekeyed()
    {
        InteropEnvironment.Require(needAgent: true, needController: false);
        var ev = RunOnce("agent-to-charon-rekey-child", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh agent-to-charon-rekey-child: {ev.Reason}");
        var child = SingleIkeSa(ev.ListSas("hub"), "charon responder after the rekey").Children.Single();
        var status = ev.Status("agent");
        string log = ev.Text("agent-at-outcome.log") ?? "";
        Assert.Multiple(() =>
        {
            Assert.That(Str(status, "child_sa", "installed"), Is.EqualTo("true"), "agent child_sa.installed after charon's CHILD_SA rekey");
            Assert.That(Lines(log, @"mpsa-agent\[306\] .*"), Is.Empty, "agent log: event 306 'CHILD_SA with the controller not installed in the kernel'");
            Assert.That(log, Does.Contain($"kernel: add state in src {Hub} dst {Cpe} spi 0x{child.OutSpi} "), "agent kernel: the rekeyed inbound state");
            Assert.That(log, Does.Contain($"kernel: add state out src {Cpe} dst {Hub} spi 0x{child.InSpi} "), "agent kernel: the rekeyed outbound state");
        });
    }

    // ---------------------------------------------------------------- (3) controller, charon rekeys the IKE SA

    [Test]
    public void CharonRekeysItsIkeSaWithTheControllerAndGetsTheNextGroupSa()
    {
        InteropEnvironment.Require(needAgent: false, needController: true);
        var ev = RunOnce("charon-to-controller-rekey-ike", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh charon-to-controller-rekey-ike: {ev.Reason}");
        var (before, after) = IkeRekeyAtCharon(ev, "cpe");
        var member = Member(ev.Status("controller"));
        string log = ev.Text("controller-at-outcome.log") ?? "";
        var rekeyed = Lines(log, @"mpsa-controller\[213\] member cpe1: IKE SA rekeyed, ([0-9a-f]{16}) -> ([0-9a-f]{16})");

        Assert.Multiple(() =>
        {
            // the controller's SPI is the responder's, before and after (charon initiated both)
            Assert.That(rekeyed, Is.Not.Empty, "controller log: no event 213 'IKE SA rekeyed'");
            if (rekeyed.Count > 0)
            {
                Assert.That(rekeyed[0].Groups[1].Value, Is.EqualTo(before.SpiR), "controller event 213: old SPI = the first IKE SA's SPIr");
                Assert.That(rekeyed[^1].Groups[2].Value, Is.EqualTo(after.SpiR), "controller event 213: new SPI = the new IKE SA's SPIr");
            }
            Assert.That(Str(member, "ike_key_fingerprint"), Is.EqualTo(RekeyedKeyFingerprint(ev, "cpe", after.UniqueId)),
                "controller member ike_key_fingerprint vs SHA-256(SK_*) charon derived for the new IKE SA (RFC 7296 §2.18)");
            Assert.That(after.Children[0].InSpi + after.Children[0].OutSpi, Is.EqualTo(before.Children[0].InSpi + before.Children[0].OutSpi),
                "charon: the CHILD_SA moved to the new IKE SA unchanged");
            AssertNextGroupSaAcknowledged(ev, after, log, "mpsa-controller[213]");
            AssertStoppedCleanly(ev, "controller");
            AssertNoErrorsLogged(ev, "controller");
        });
    }

    // ---------------------------------------------------------------- (4) controller, charon rekeys the CHILD_SA

    [Test]
    public void CharonRekeysItsChildSaWithTheControllerAndGetsTheNextGroupSa()
    {
        InteropEnvironment.Require(needAgent: false, needController: true);
        var ev = RunOnce("charon-to-controller-rekey-child", Suite).Evidence;
        Assert.That(ev.Outcome, Is.EqualTo("ok"), $"run-interop.sh charon-to-controller-rekey-child: {ev.Reason}");
        var (_, after, child) = ChildRekeyAtCharon(ev, "cpe");
        var member = Member(ev.Status("controller"));
        string log = ev.Text("controller-at-outcome.log") ?? "";

        Assert.Multiple(() =>
        {
            // the controller names its own inbound SPI first: charon's outbound
            Assert.That(log, Does.Contain($"mpsa-controller[203] member cpe1: CHILD_SA in={child.OutSpi} out={child.InSpi} "),
                "controller log: event 203 for the rekeyed CHILD_SA");
            Assert.That(log, Does.Contain("mpsa-controller[215] member cpe1: the CHILD_SA a rekey replaced is gone"),
                "controller log: event 215 for charon's Delete of the old CHILD_SA");
            Assert.That(Str(member, "ike_key_fingerprint"), Is.EqualTo(ev.CharonLog("cpe").IkeKeyFingerprint(after.UniqueId)),
                "controller member ike_key_fingerprint: still the first IKE SA's keys");
            AssertNextGroupSaAcknowledged(ev, after, log, "mpsa-controller[215]");
            AssertStoppedCleanly(ev, "controller");
            AssertNoErrorsLogged(ev, "controller");
        });
    }

    // ---------------------------------------------------------------- charon's side

    private const string Hub = "10.91.0.1";
    private const string Cpe = "10.91.0.2";

    /// <summary>
    /// charon rekeyed the IKE SA (once or more): its first and its last IKE SA, with the log lines that prove each rekey,
    /// printed: CREATE_CHILD_SA { SA No KE } on the old SA, "IKE_SA mpsa[new] rekeyed between", the Delete of the old SA.
    /// </summary>
    private static (SwanctlSas.Ike Before, SwanctlSas.Ike After) IkeRekeyAtCharon(Evidence ev, string instance)
    {
        var before = SingleIkeSa(ev.ListSas(instance + "-before"), $"charon {instance} before the rekey");
        var after = SingleIkeSa(ev.ListSas(instance), $"charon {instance} after the rekey (the old IKE SA deleted)");
        TestContext.Out.WriteLine($"charon {instance}: IKE SA #{before.UniqueId} {before.SpiI}_i {before.SpiR}_r -> #{after.UniqueId} {after.SpiI}_i {after.SpiR}_r");
        Assert.Multiple(() =>
        {
            Assert.That(after.State, Is.EqualTo("ESTABLISHED"), "charon: state of the new IKE SA");
            Assert.That(after.UniqueId, Is.GreaterThan(before.UniqueId), "charon: the IKE SA is a new one");
            Assert.That(after.SpiI, Is.Not.EqualTo(before.SpiI), "charon: new SPIi");
            Assert.That(after.SpiR, Is.Not.EqualTo(before.SpiR), "charon: new SPIr");
            Assert.That(after.Proposal, Is.EqualTo(CharonNames[Suite]), "charon: the new IKE SA's proposal");
            Assert.That(after.Children.Select(c => c.State), Is.EqualTo(new[] { "INSTALLED" }), "charon: the CHILD_SA on the new IKE SA");
            for (int old = before.UniqueId; old < after.UniqueId; old++)
            {
                Proof(ev, instance, old, @"generating CREATE_CHILD_SA request \d+ \[ SA No KE \]", "charon's IKE SA rekey request");
                Proof(ev, instance, old, @"parsed CREATE_CHILD_SA response \d+ \[ SA No KE \]", "our daemon's answer");
                Proof(ev, instance, old, $@"IKE_SA mpsa\[{old + 1}\] rekeyed between ", "the rekey done");
                Proof(ev, instance, old, $@"sending DELETE for IKE_SA mpsa\[{old}\]$", "charon deletes the old IKE SA");
                Proof(ev, instance, old, @"parsed INFORMATIONAL response \d+ \[ \]$", "our daemon's answer to the Delete");
                Proof(ev, instance, old, @"IKE_SA deleted$", "the old IKE SA gone");
            }
        });
        return (before, after);
    }

    /// <summary>
    /// charon rekeyed the CHILD_SA (once or more) on the same IKE SA: the IKE SA, the new CHILD_SA and the proving log lines:
    /// CREATE_CHILD_SA { N(REKEY_SA) SA No TSi TSr } and the answer, both directions of the new SA, the Delete of the old one.
    /// </summary>
    private static (SwanctlSas.Ike Before, SwanctlSas.Ike After, SwanctlSas.Child Child) ChildRekeyAtCharon(Evidence ev, string instance)
    {
        var before = SingleIkeSa(ev.ListSas(instance + "-before"), $"charon {instance} before the rekey");
        var after = SingleIkeSa(ev.ListSas(instance), $"charon {instance} after the rekey");
        Assert.That(before.Children, Has.Count.EqualTo(1), $"charon {instance}: CHILD_SAs before the rekey:\n{ev.Text($"list-sas-{instance}-before.txt")}");
        Assert.That(after.Children, Has.Count.EqualTo(1), $"charon {instance}: CHILD_SAs after the rekey (the old one gone):\n{ev.Text($"list-sas-{instance}.txt")}");
        var (old, child) = (before.Children[0], after.Children[0]);
        TestContext.Out.WriteLine($"charon {instance}: CHILD_SA {{{old.UniqueId}}} in {old.InSpi} out {old.OutSpi} -> {{{child.UniqueId}}} in {child.InSpi} out {child.OutSpi}");
        Assert.Multiple(() =>
        {
            Assert.That(after.SpiI + after.SpiR, Is.EqualTo(before.SpiI + before.SpiR), "charon: the same IKE SA");
            Assert.That(child.State, Is.EqualTo("INSTALLED"), "charon: state of the new CHILD_SA");
            Assert.That(child.UniqueId, Is.GreaterThan(old.UniqueId), "charon: the CHILD_SA is a new one");
            Assert.That(child.InSpi, Is.Not.EqualTo(old.InSpi), "charon: new inbound SPI");
            Assert.That(child.OutSpi, Is.Not.EqualTo(old.OutSpi), "charon: new outbound SPI");
            Assert.That(child.Proposal, Is.EqualTo(CharonNames[CoreSuites[Suite]]), "charon: the new CHILD_SA's proposal");
            int ike = after.UniqueId;
            Proof(ev, instance, ike, @"generating CREATE_CHILD_SA request \d+ \[ N\(REKEY_SA\) SA No TSi TSr \]", "charon's CHILD_SA rekey request");
            Proof(ev, instance, ike, @"parsed CREATE_CHILD_SA response \d+ \[ SA No TSi TSr \]", "our daemon's answer");
            Proof(ev, instance, ike, $@"outbound CHILD_SA mpsa\{{{child.UniqueId}\}} established with SPIs {child.InSpi}_i {child.OutSpi}_o ", "the new CHILD_SA");
            Proof(ev, instance, ike, $@"closing CHILD_SA mpsa\{{{old.UniqueId}\}} with SPIs {old.InSpi}_i ", "charon closes the old CHILD_SA");
            Proof(ev, instance, ike, $@"sending DELETE for ESP CHILD_SA with SPI {old.InSpi}$", "charon deletes the old CHILD_SA");
            Proof(ev, instance, ike, $@"received DELETE for ESP CHILD_SA with SPI {old.OutSpi}$", "our daemon deletes its half (RFC 7296 §1.4.1)");
            Proof(ev, instance, ike, $@"CHILD_SA mpsa\{{{old.UniqueId}\}} state change: DELETED => DESTROYING", "the old CHILD_SA gone");
        });
        return (before, after, child);
    }

    /// <summary>The lines of charon <paramref name="instance"/>'s log for IKE SA #<paramref name="ikeSa"/> that match; each printed as evidence.</summary>
    internal static List<string> Proof(Evidence ev, string instance, int ikeSa, string pattern, string what)
    {
        var re = new Regex(pattern, RegexOptions.CultureInvariant);
        var found = new List<string>();
        foreach (string line in ev.CharonLog(instance).Text.Split('\n'))
        {
            var m = CharonLine().Match(line.TrimEnd('\r'));
            if (m.Success && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) == ikeSa && re.IsMatch(m.Groups[2].Value))
            {
                found.Add(line.TrimEnd('\r'));
                TestContext.Out.WriteLine($"charon {instance}: {line.TrimEnd('\r')}");
            }
        }
        Assert.That(found, Is.Not.Empty, $"charon {instance} log, IKE SA #{ikeSa}: no line matching /{pattern}/ ({what})");
        return found;
    }

    /// <summary>
    /// The key fingerprint of IKE SA #<paramref name="rekeyed"/>, made by a rekey of #<paramref name="rekeyed"/> - 1: charon logs
    /// the new SA's SK_* under the old SA's id, after that SA's own (if it was made by IKE_SA_INIT), so the last dumps count.
    /// </summary>
    internal static string RekeyedKeyFingerprint(Evidence ev, string instance, int rekeyed)
    {
        var log = ev.CharonLog(instance);
        // strongSwan 5.9 logs the new SA's keys under the old SA's unique id, strongSwan 6 under the new one's
        int under = log.Dumps("Sk_d secret", rekeyed).Count > 0 ? rekeyed : rekeyed - 1;
        byte[] Last(string label, bool optional = false)
        {
            var all = log.Dumps(label, under);
            if (all.Count == 0 && !optional)
            {
                throw new AssertionException($"charon {instance} log: no '{label}' for IKE SA #{under} (ike = 4 in the filelog?)");
            }
            return all.Count == 0 ? [] : all[^1];
        }
        byte[] keys =
        [
            .. Last("Sk_d secret"), .. Last("Sk_ai secret", true), .. Last("Sk_ar secret", true),
            .. Last("Sk_ei secret"), .. Last("Sk_er secret"), .. Last("Sk_pi secret"), .. Last("Sk_pr secret"),
        ];
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(keys).AsSpan(0, 8));
    }

    // ---------------------------------------------------------------- our daemons' side

    /// <summary>The agent's liveness check, sent over the control socket after the rekey, was answered, on charon's new IKE SA.</summary>
    private static void AssertLivenessAnsweredAfterTheRekey(Evidence ev, SwanctlSas.Ike after)
    {
        string[] log = (ev.Text("agent-at-outcome.log") ?? "").Split('\n');
        int from = int.Parse(ev.Result.TryGetValue("agent_log_lines_before_liveness", out string? n) ? n : "0", CultureInfo.InvariantCulture);
        Assert.That(log.Skip(from).Any(l => l.Contains("mpsa-agent[207] controller answered the liveness check", StringComparison.Ordinal)), Is.True,
            "agent log: event 207 'controller answered the liveness check' after the rekey");
        var requests = Proof(ev, "hub", after.UniqueId, @"parsed INFORMATIONAL request \d+ \[ \]$", "the agent's liveness check on the new IKE SA");
        string id = Regex.Match(requests[^1], @"request (\d+)").Groups[1].Value;
        Proof(ev, "hub", after.UniqueId, $@"generating INFORMATIONAL response {id} \[ \]$", "charon's answer");
    }

    /// <summary>
    /// After the rekey (<paramref name="mark"/>: the controller's event for it) the controller pushed the next group SA, charon
    /// answered the MPSA_PUT on its current IKE SA, and the controller logged the acknowledgement (event 205); the member is connected.
    /// </summary>
    private static void AssertNextGroupSaAcknowledged(Evidence ev, SwanctlSas.Ike after, string log, string mark)
    {
        string firstSpi = ev.Result.TryGetValue("first_acked_spi", out string? f) ? f : "(no first_acked_spi)";
        var status = ev.Status("controller");
        var member = Member(status);
        var group = Find(status, "groups", "name", "office");
        string acked = Str(member, "last_acked_spi");
        int rekeyAt = log.IndexOf(mark, StringComparison.Ordinal);
        // the last acknowledgement: the SA may have been acknowledged on the old IKE SA too, when the group's rekey came first
        int ackAt = log.LastIndexOf($"mpsa-controller[205] member cpe1 acknowledged SPI {acked}", StringComparison.Ordinal);
        TestContext.Out.WriteLine($"controller: first acknowledged SPI {firstSpi}, after the rekey {acked}");
        Assert.That(Str(member, "state"), Is.EqualTo("connected"), "controller member state");
        Assert.That(acked, Is.Not.EqualTo(firstSpi), "controller member last_acked_spi: the next group SA, not the first one");
        Assert.That(acked, Is.EqualTo(Str(group, "next_spi")).Or.EqualTo(Str(group, "current_spi")), "controller member last_acked_spi is the group's next (or current) SA");
        Assert.That(log, Does.Contain($"mpsa-controller[501] group office: rekey to SA {acked} "), "controller log: event 501, the group rekey");
        Assert.That(rekeyAt, Is.GreaterThanOrEqualTo(0), $"controller log: no {mark} line for the rekey");
        Assert.That(ackAt, Is.GreaterThan(rekeyAt), $"controller log: event 205 'member cpe1 acknowledged SPI {acked}' after the rekey ({mark})");
        var puts = Proof(ev, "cpe", after.UniqueId, @"parsed INFORMATIONAL request \d+ \[ N\(\(40960\)\) \]$", "the MPSA_PUT on charon's current IKE SA");
        string id = Regex.Match(puts[^1], @"request (\d+)").Groups[1].Value;
        Proof(ev, "cpe", after.UniqueId, $@"generating INFORMATIONAL response {id} \[ \]$", "charon's empty answer (unknown status notify)");
    }

    private static string[] Spis(JsonElement agentStatus) => [Str(agentStatus, "ike_sa", "spi_i"), Str(agentStatus, "ike_sa", "spi_r")];

    private static List<Match> Lines(string log, string pattern)
    {
        var re = new Regex(pattern, RegexOptions.CultureInvariant);
        return [.. log.Split('\n').Select(l => re.Match(l)).Where(m => m.Success)];
    }

    private static JsonElement Member(JsonElement status) => Find(status, "members", "identity", CpeIdentity);

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
