using Mpsa.Agent;
using Mpsa.Agent.Config;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;
using Mpsa.Tests.EndToEnd;

namespace Mpsa.Tests.Agent;

/// <summary>
/// One probe decides what the agent can compute, with libssl and without: the config accepts exactly the IKE suites
/// it can run, the default proposals are all among them, the group SAs it refuses are exactly those whose PRF it
/// cannot compute, and the line self-check prints says the same.
/// </summary>
public class CapabilitiesTests
{
    private static readonly string[] Encryptions = ["aes128", "aes256", "aes128gcm16", "aes256gcm16", "chacha20poly1305"];
    private static readonly string[] Integrities = ["sha1", "sha256", "sha384", "sha512"];
    private static readonly string[] Prfs = ["prfsha1", "prfsha256", "prfsha384", "prfsha512"];
    private static readonly string[] Groups = ["x25519", "modp2048", "ecp256", "ecp384"];

    private static IEnumerable<string> AllIkeSuites() =>
        from e in Encryptions
        from i in e.Contains("gcm", StringComparison.Ordinal) || e.StartsWith("chacha", StringComparison.Ordinal) ? [""] : Integrities
        from p in Prfs
        from g in Groups
        select string.Join('-', new[] { e, i, p, g }.Where(x => x.Length > 0));

    private static string Config(string agentLines) => $"""
        [agent]
        identity = cpe.example.net
        psk = "a pre-shared key of some length"
        {agentLines}
        [controller]
        address = 192.0.2.1
        identity = controller.example.net
        """;

    private static bool Accepted(string text, Capabilities capabilities, out AgentSettings? settings, out IReadOnlyList<string> errors)
    {
        bool ok = ConfigReader.TryRead(IniFile.Parse("/etc/mpsa/mpsa.conf", text), r => AgentConfigFile.Read(r, _ => { }, capabilities),
            out settings, out var e);
        errors = [.. e.Select(x => x.ToString())];
        return ok;
    }

    [TestCase(true)]
    [TestCase(false)]
    public void TheConfigAcceptsExactlyTheIkeSuitesThisSystemCanRun(bool openSsl)
    {
        var capabilities = new Capabilities(openSsl);
        int accepted = 0;
        Assert.Multiple(() =>
        {
            foreach (string name in AllIkeSuites())
            {
                Assert.That(SuiteNames.TryParseIke(name, out var suite, out _), Is.True, name);
                bool ok = Accepted(Config($"proposals = {name}"), capabilities, out _, out var errors);
                Assert.That(ok, Is.EqualTo(capabilities.Usable(suite)), $"{name} with libssl {openSsl}: {string.Join("; ", errors)}");
                if (!ok)
                {
                    Assert.That(errors, Has.Some.Contains("proposals:").And.Contains("needs libssl"), name);
                }
                accepted += ok ? 1 : 0;
            }
        });
        TestContext.Out.WriteLine($"libssl {openSsl}: {accepted} of {AllIkeSuites().Count()} IKE suites accepted");
        Assert.That(accepted, openSsl ? Is.EqualTo(AllIkeSuites().Count()) : Is.EqualTo(2), "without libssl: chacha20poly1305, prfsha256/512, x25519");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void TheDefaultProposalsAreAllComputable(bool openSsl)
    {
        var capabilities = new Capabilities(openSsl);
        Assert.That(Accepted(Config(""), capabilities, out var settings, out var errors), Is.True, string.Join("; ", errors));
        Assert.That(settings!.Proposals, Is.All.Matches<IkeSuite>(capabilities.Usable));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void CertificatesNeedLibssl(bool openSsl)
    {
        bool ok = Accepted(Config("certificate = /etc/mpsa/cpe.crt\nprivate_key = /etc/mpsa/cpe.key\nca = /etc/mpsa/ca.crt"),
            new Capabilities(openSsl), out _, out var errors);
        if (!openSsl)
        {
            Assert.That(errors, Has.Some.Contains("certificate authentication needs libssl"));
        }
        else
        {
            Assert.That(errors, Has.None.Contains("needs libssl"), "with libssl only the missing files are reported");
        }
        Assert.That(ok, Is.False, "no such files either way");
    }

    [Test]
    public void GroupSasAreRefusedExactlyForThePrfsThisSystemCannotCompute(
        [Values(true, false)] bool openSsl, [Values("prfsha1", "prfsha256", "prfsha384", "prfsha512")] string prf)
    {
        var capabilities = new Capabilities(openSsl);
        using var lab = new EngineLab(groupExtra: $"prf = {prf}", capabilities: capabilities);
        lab.RunTo(5);
        var id = Enum.GetValues<PrfId>().Single(p => SuiteNames.PrfName(p) == prf);
        bool computable = capabilities.Usable(id);
        Assert.Multiple(() =>
        {
            Assert.That(capabilities.GroupPrfs.Contains(id), Is.EqualTo(computable));
            Assert.That(lab.Member.HoldsCurrent, Is.EqualTo(computable), $"{prf}, libssl {openSsl}");
            Assert.That(lab.Agent.State, Is.EqualTo(Mpsa.Agent.Supervisor.ConnectionState.Connected), "the agent keeps its IKE SA");
            if (!computable)
            {
                Assert.That(lab.Agent.LastRefusal?.Notify, Is.EqualTo(NotifyType.NO_PROPOSAL_CHOSEN));
                Assert.That(lab.Member.Refusals.Single().Notify, Is.EqualTo("NO_PROPOSAL_CHOSEN"), "the controller's status shows the refusal");
            }
            Assert.That(capabilities.Describe().Contains($"group SAs with {string.Join('/', capabilities.GroupPrfs.Select(SuiteNames.PrfName))} ",
                StringComparison.Ordinal), Is.True, "self-check's line names the same PRFs: " + capabilities.Describe());
        });
    }

    [Test]
    public void SelfChecksLineSaysWhatIsMissingWithoutLibssl()
    {
        Assert.That(new Capabilities(false).Describe(), Is.EqualTo(
            "IKE chacha20poly1305, sha256/sha512, prfsha256/prfsha512, x25519; group SAs with prfsha256/prfsha512 " +
            "(no libssl: AES, ECP, MODP, SHA-1, SHA-384 and certificates need it; NAT detection needs it or the kernel's AF_ALG hash " +
            "(kmod-crypto-user), encap = yes goes through a NAT without either)"));
        Assert.That(new Capabilities(false, sha1FromKernel: true).Describe(), Does.EndWith(
            "(no libssl: AES, ECP, MODP, SHA-1, SHA-384 and certificates need it; NAT detection with the kernel's SHA-1 (AF_ALG))"));
        Assert.That(new Capabilities(false, sha1FromKernel: true).NatDetection, Is.True, "NAT detection with the kernel's SHA-1");
        Assert.That(new Capabilities(false).NatDetection, Is.False, "no SHA-1 at all: no NAT detection");
        Assert.That(new Capabilities(true).Describe(), Does.Contain("modp2048/"), "MODP-2048 with libssl (libcrypto)");
        Assert.That(new Capabilities(true).Describe(), Does.StartWith("IKE chacha20poly1305/aes/aesgcm16, sha1/sha256/sha384/sha512, prfsha1/"));
    }
}
