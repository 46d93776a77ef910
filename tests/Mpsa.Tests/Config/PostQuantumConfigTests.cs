using Mpsa.Controller;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Config;

/// <summary>The hybrid suites in configuration: the defaults, the ke1_ syntax, require_pq, and the fragment size.</summary>
public class PostQuantumConfigTests
{
    private const string Path = ControllerConfigSample.Path;

    private static (ControllerSettings? Settings, string[] Errors) Read(string controllerKeys, string groupKeys = "") =>
        ControllerConfigSample.Read(controllerKeys, groupKeys);

    [Test]
    public void TheDefaultIsTheHybridThenClassicalAndNoGroupRequiresIt()
    {
        var (s, errors) = Read("");
        Assert.That(errors, Is.Empty);
        Assert.That(s!.IkeProposals.Select(SuiteNames.Name),
            Is.EqualTo(new[] { "chacha20poly1305-prfsha256-x25519-ke1_mlkem768", "chacha20poly1305-prfsha256-x25519" }));
        Assert.That(s.Groups["g"].RequirePostQuantum, Is.False);
    }

    [Test]
    public void ReadsKe1AndNamesWhatItDoesNotMake()
    {
        Assert.That(SuiteNames.TryParseIke("aes256-sha256-x25519-ke1_mlkem768", out var suite, out _), Is.True);
        Assert.That((suite.Dh, suite.AdditionalKe, SuiteNames.KeyExchanges(suite)), Is.EqualTo((DhGroup.CURVE25519, DhGroup.ML_KEM_768, "x25519+mlkem768")));
        Assert.That(SuiteNames.TryParseIke("aes256-sha256-x25519-ke1_mlkem1024", out _, out string? error), Is.False);
        Assert.That(error, Is.EqualTo("'aes256-sha256-x25519-ke1_mlkem1024': 'ke1_mlkem1024' is not an additional key exchange this build makes (ke1_mlkem768)"));
    }

    [Test]
    public void ReadsTheFragmentSize()
    {
        Assert.That(Read("").Settings!.FragmentSize, Is.EqualTo(1280));
        Assert.That(Read("fragment_size = 1400").Settings!.FragmentSize, Is.EqualTo(1400));
        Assert.That(Read("fragment_size = 100").Errors, Has.Length.EqualTo(1).And.Some.StartsWith($"{Path}:3: fragment_size: "));
    }

    [Test]
    public void RequirePqNeedsAHybridProposal()
    {
        var (s, errors) = Read("", "require_pq = yes");
        Assert.That(errors, Is.Empty);
        Assert.That(s!.Groups["g"].RequirePostQuantum, Is.True);

        (_, errors) = Read("proposals = chacha20poly1305-prfsha256-x25519", "require_pq = yes");
        Assert.That(errors, Is.EqualTo(new[]
        {
            $"{Path}:3: proposals: [group g] has require_pq = yes, but no proposal makes a post-quantum key exchange (add one ending in -ke1_mlkem768)",
        }));
    }
}
