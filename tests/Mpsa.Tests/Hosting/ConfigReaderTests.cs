using System.Net;
using Mpsa.Hosting;

namespace Mpsa.Tests.Hosting;

/// <summary>A small daemon schema read through ConfigReader, the way mpsa-agent reads its own.</summary>
public class ConfigReaderTests
{
    private const string Path = "/etc/mpsa/mpsa.conf";

    internal enum AuthMethod { Psk, PublicKey }

    internal sealed record GroupConfig(string Name, byte[] Psk, TimeSpan Roll1, TimeSpan Roll2, IReadOnlyList<IPAddress> Peers);

    internal sealed record TestConfig(
        IPEndPoint Controller, int Port, bool Nat, TimeSpan Retry, IPAddress? Bind, string LogLevel,
        AuthMethod Auth, int Retries, string Identity, IReadOnlyList<string> Tags, IReadOnlyList<GroupConfig> Groups)
    {
        public static TestConfig Read(ConfigReader config)
        {
            var controller = config.Section("controller", required: true);
            var agent = config.Section("agent");
            var groups = config.Sections("group");
            return new TestConfig(
                controller.Endpoint("address", defaultPort: 500),
                controller.Port("port", 500),
                controller.Bool("nat", false),
                controller.Duration("retry", TimeSpan.FromSeconds(30)),
                agent.Address("bind", null),
                agent.OneOf("log", ["debug", "info", "warning", "error"], "info"),
                agent.Choice("auth", AuthMethod.Psk),
                agent.Int("retries", 1, 10, 3),
                agent.String("identity", "cpe"),
                agent.List("tags"),
                [.. groups.Select(ReadGroup)]);
        }

        private static GroupConfig ReadGroup(ConfigSection group)
        {
            var roll1 = group.Duration("roll1", TimeSpan.FromMinutes(5));
            var roll2 = group.Duration("roll2", TimeSpan.FromMinutes(10));
            if (roll2 < roll1)
            {
                group.Report("roll2", "must not come before roll1");
            }
            return new GroupConfig(group.Name!, group.Required("psk", ConfigValues.Secret), roll1, roll2,
                group.List("peers", ConfigValues.Address));
        }
    }

    private static string[] Check(string text)
    {
        ConfigReader.TryRead(IniFile.Parse(Path, text), TestConfig.Read, out _, out var errors);
        return [.. errors.Select(e => e.ToString())];
    }

    [Test]
    public void ReadsEveryValueType()
    {
        var ok = ConfigReader.TryRead(IniFile.Parse(Path, """
            [controller]
            address = [2001:db8::1]:4500
            port = 4500
            nat = On
            retry = 2m
            [agent]
            bind = ::
            log = WARNING
            auth = public-key
            retries = 10
            identity = "cpe # 7"
            tags = a, b ,c
            [group office]
            psk = 0x00ff10
            roll1 = 1h
            roll2 = 2d
            peers = 192.0.2.7, 2001:db8::7
            [group lab]
            psk = "correct horse"
            roll1 = 45
            """), TestConfig.Read, out var config, out var errors);

        Assert.That(errors, Is.Empty);
        Assert.That(ok, Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(config!.Controller, Is.EqualTo(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 4500)));
            Assert.That(config.Port, Is.EqualTo(4500));
            Assert.That(config.Nat, Is.True);
            Assert.That(config.Retry, Is.EqualTo(TimeSpan.FromMinutes(2)));
            Assert.That(config.Bind, Is.EqualTo(IPAddress.IPv6Any));
            Assert.That(config.LogLevel, Is.EqualTo("warning"));
            Assert.That(config.Auth, Is.EqualTo(AuthMethod.PublicKey));
            Assert.That(config.Retries, Is.EqualTo(10));
            Assert.That(config.Identity, Is.EqualTo("cpe # 7"));
            Assert.That(config.Tags, Is.EqualTo(new[] { "a", "b", "c" }));
            Assert.That(config.Groups.Select(g => g.Name), Is.EqualTo(new[] { "office", "lab" }));
            Assert.That(config.Groups[0].Psk, Is.EqualTo(new byte[] { 0x00, 0xff, 0x10 }));
            Assert.That(config.Groups[0].Roll1, Is.EqualTo(TimeSpan.FromHours(1)));
            Assert.That(config.Groups[0].Roll2, Is.EqualTo(TimeSpan.FromDays(2)));
            Assert.That(config.Groups[0].Peers, Is.EqualTo(new[] { IPAddress.Parse("192.0.2.7"), IPAddress.Parse("2001:db8::7") }));
            Assert.That(config.Groups[1].Psk, Is.EqualTo("correct horse"u8.ToArray()));
            Assert.That(config.Groups[1].Roll1, Is.EqualTo(TimeSpan.FromSeconds(45)));
        });
    }

    [Test]
    public void AppliesDefaultsForAnAbsentOptionalSection()
    {
        Assert.That(ConfigReader.TryRead(IniFile.Parse(Path, "[controller]\naddress = 192.0.2.1\n"), TestConfig.Read, out var config, out _), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(config!.Controller, Is.EqualTo(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 500)));
            Assert.That(config.Bind, Is.Null);
            Assert.That(config.LogLevel, Is.EqualTo("info"));
            Assert.That(config.Retries, Is.EqualTo(3));
            Assert.That(config.Tags, Is.Empty);
            Assert.That(config.Groups, Is.Empty);
        });
    }

    [Test]
    public void ReportsUnknownKeyWithLineAndSuggestion()
    {
        Assert.That(Check("[controller]\naddress = 192.0.2.1\n[group g]\npsk = x\nrol1 = 5m\nfoo = 1\n"), Is.EqualTo(new[]
        {
            "/etc/mpsa/mpsa.conf:5: unknown key 'rol1' (did you mean 'roll1'?)",
            "/etc/mpsa/mpsa.conf:6: unknown key 'foo'",
        }));
    }

    [Test]
    public void ReportsUnknownSectionWithSuggestion()
    {
        Assert.That(Check("[controller]\naddress = 192.0.2.1\n[grup office]\npsk = x\n[bogus]\n"), Is.EqualTo(new[]
        {
            "/etc/mpsa/mpsa.conf:3: unknown section [grup office] (did you mean 'group'?)",
            "/etc/mpsa/mpsa.conf:5: unknown section [bogus]",
        }));
    }

    [Test]
    public void ReportsDuplicateKey()
    {
        Assert.That(Check("[controller]\naddress = 192.0.2.1\nport = 500\nport = 4500\n"), Is.EqualTo(new[]
        {
            "/etc/mpsa/mpsa.conf:4: duplicate key 'port' (first at line 3)",
        }));
    }

    [Test]
    public void ReportsMissingRequiredKeyAtTheSectionHeader()
    {
        Assert.That(Check("# config\n[controller]\nport = 500\n[group office]\nroll1 = 5m\n"), Is.EqualTo(new[]
        {
            "/etc/mpsa/mpsa.conf:2: missing required key 'address' in [controller]",
            "/etc/mpsa/mpsa.conf:4: missing required key 'psk' in [group office]",
        }));
    }

    [Test]
    public void ReportsMissingRequiredSectionForTheWholeFile()
    {
        Assert.That(Check("[agent]\nlog = info\n"), Is.EqualTo(new[] { "/etc/mpsa/mpsa.conf: missing section [controller]" }));
    }

    [Test]
    public void ReportsDuplicateNamelessAndMisnamedSections()
    {
        Assert.That(Check("[controller]\naddress = 192.0.2.1\n[controller]\n[agent x]\n[group]\n[group a]\npsk = x\n[group a]\npsk = y\n"), Is.EqualTo(new[]
        {
            "/etc/mpsa/mpsa.conf:3: duplicate section [controller] (first at line 1)",
            "/etc/mpsa/mpsa.conf:4: section [agent] takes no name (found [agent x])",
            "/etc/mpsa/mpsa.conf:5: section [group] needs a name, like [group NAME]",
            "/etc/mpsa/mpsa.conf:8: duplicate section [group a] (first at line 6)",
        }));
    }

    [TestCase("port = 70000", "port: '70000' is not a port (1-65535)")]
    [TestCase("port = 0", "port: '0' is not a port (1-65535)")]
    [TestCase("port = 5OO", "port: '5OO' is not a port (1-65535)")]
    [TestCase("nat = maybe", "nat: 'maybe' is not a boolean (yes/no, true/false, on/off)")]
    [TestCase("retry = 5x", "retry: '5x' is not a duration (like 500ms, 30s, 5m, 1h, 2d; a plain number is seconds)")]
    [TestCase("retry = -5s", "retry: '-5s' is not a duration (like 500ms, 30s, 5m, 1h, 2d; a plain number is seconds)")]
    [TestCase("retry = 99999999999999d", "retry: '99999999999999d' is not a duration (like 500ms, 30s, 5m, 1h, 2d; a plain number is seconds)")]
    [TestCase("address = 192.0.2.1:99999", "address: '192.0.2.1:99999' is not an endpoint (address, address:port or [IPv6]:port; port 500 if left out)")]
    [TestCase("address = 192.0.2", "address: '192.0.2' is not an endpoint (address, address:port or [IPv6]:port; port 500 if left out)")]
    [TestCase("address = [192.0.2.1]:500", "address: '[192.0.2.1]:500' is not an endpoint (address, address:port or [IPv6]:port; port 500 if left out)")]
    [TestCase("address = host.example:500", "address: 'host.example:500' is not an endpoint (address, address:port or [IPv6]:port; port 500 if left out)")]
    public void ReportsBadControllerValueSayingWhatWouldBeRight(string line, string message)
    {
        var text = line.StartsWith("address") ? $"[controller]\n{line}\n" : $"[controller]\naddress = 192.0.2.1\n{line}\n";
        int expectedLine = line.StartsWith("address") ? 2 : 3;

        Assert.That(Check(text), Is.EqualTo(new[] { $"/etc/mpsa/mpsa.conf:{expectedLine}: {message}" }));
    }

    [TestCase("bind = 1", "bind: '1' is not an IP address")]
    [TestCase("bind = 10.0.0.256", "bind: '10.0.0.256' is not an IP address")]
    [TestCase("log = verbose", "log: 'verbose' is not one of 'debug', 'info', 'warning', 'error'")]
    [TestCase("auth = cert", "auth: 'cert' is not one of 'psk', 'public-key'")]
    [TestCase("retries = 11", "retries: '11' is not an integer (1-10)")]
    [TestCase("identity = ", "")]
    [TestCase("tags = a,,b", "tags: empty item in the comma-separated list")]
    public void ReportsBadAgentValueSayingWhatWouldBeRight(string line, string message)
    {
        var errors = Check($"[controller]\naddress = 192.0.2.1\n[agent]\n{line}\n");

        Assert.That(errors, Is.EqualTo(message.Length == 0 ? Array.Empty<string>() : new[] { $"/etc/mpsa/mpsa.conf:4: {message}" }));
    }

    [Test]
    public void ReportsBadListItemAndCustomRule()
    {
        Assert.That(Check("[controller]\naddress = 192.0.2.1\n[group g]\npsk = x\nroll1 = 1h\nroll2 = 30m\npeers = 192.0.2.1, 192.0.2.x\n"), Is.EqualTo(new[]
        {
            "/etc/mpsa/mpsa.conf:6: roll2: must not come before roll1",
            "/etc/mpsa/mpsa.conf:7: peers: '192.0.2.x' is not an IP address",
        }));
    }

    [Test]
    public void NeverEchoesARejectedSecret()
    {
        var errors = Check("[controller]\naddress = 192.0.2.1\n[group g]\npsk = 0xsecretsecret\n");

        Assert.That(errors, Is.EqualTo(new[] { "/etc/mpsa/mpsa.conf:4: psk: the hex secret after '0x' has a character that is not a hex digit" }));
    }

    [Test]
    public void ReportsAllProblemsAtOnceInLineOrder()
    {
        var errors = Check("""
            [controller]
            adress = 192.0.2.1
            port = 70000
            [agent]
            log = loud
            = x
            """);

        Assert.That(errors, Is.EqualTo(new[]
        {
            "/etc/mpsa/mpsa.conf:1: missing required key 'address' in [controller]",
            "/etc/mpsa/mpsa.conf:2: unknown key 'adress' (did you mean 'address'?)",
            "/etc/mpsa/mpsa.conf:3: port: '70000' is not a port (1-65535)",
            "/etc/mpsa/mpsa.conf:5: log: 'loud' is not one of 'debug', 'info', 'warning', 'error'",
            "/etc/mpsa/mpsa.conf:6: missing key before '='",
        }));
    }

    [Test]
    public void LoadsFromAFileAndReportsAMissingOne()
    {
        var dir = Directory.CreateTempSubdirectory("mpsa-config-");
        try
        {
            var path = System.IO.Path.Combine(dir.FullName, "mpsa.conf");
            File.WriteAllText(path, "[controller]\naddress = 192.0.2.1:4500\n");

            Assert.That(ConfigReader.TryLoad(path, TestConfig.Read, out var config, out var errors), Is.True, string.Join('\n', errors));
            Assert.That(config!.Controller.Port, Is.EqualTo(4500));
            Assert.That(ConfigReader.TryLoad(path + ".missing", TestConfig.Read, out _, out errors), Is.False);
            Assert.That(errors.Select(e => e.Message), Has.Some.StartsWith("cannot read: "));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [TestCase("30s", 30)]
    [TestCase("5m", 300)]
    [TestCase("1h", 3600)]
    [TestCase("2d", 172800)]
    [TestCase("0", 0)]
    [TestCase("45", 45)]
    public void ParsesDurations(string text, int seconds)
    {
        Assert.That(ConfigValues.TryParseDuration(text, out var value), Is.True);
        Assert.That(value, Is.EqualTo(TimeSpan.FromSeconds(seconds)));
    }

    [TestCase("200ms", 200)]
    [TestCase("1500ms", 1500)]
    [TestCase("2s", 2000)]
    public void ParsesMillisecondDurations(string text, int milliseconds)
    {
        Assert.That(ConfigValues.TryParseDuration(text, out var value), Is.True);
        Assert.That(value, Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));
        Assert.That(ConfigValues.TryParseDuration(ConfigValues.FormatDuration(value), out var again) && again == value, Is.True);
    }

    [TestCase("192.0.2.1:500", "192.0.2.1:500")]
    [TestCase("[::1]:4500", "[::1]:4500")]
    [TestCase("2001:db8::1", "[2001:db8::1]:500")]
    [TestCase("192.0.2.1", "192.0.2.1:500")]
    public void ParsesEndpointsWithADefaultPort(string text, string expected)
    {
        Assert.That(ConfigValues.TryParseEndpoint(text, 500, out var endpoint), Is.True);
        Assert.That(endpoint!.ToString(), Is.EqualTo(expected));
    }

    [TestCase("rol1", new[] { "roll1", "roll2", "life" }, "roll1")]
    [TestCase("Port", new[] { "port", "address" }, "port")]
    [TestCase("adress", new[] { "port", "address" }, "address")]
    [TestCase("prot", new[] { "port", "address" }, "port")]
    [TestCase("zzz", new[] { "port", "address" }, null)]
    [TestCase("addr", new[] { "port", "address" }, null)]
    public void SuggestsTheNearestKnownKey(string word, string[] known, string? expected)
    {
        Assert.That(DidYouMean.Suggest(word, known), Is.EqualTo(expected));
    }

    [TestCase("AesCbc", "aes-cbc")]
    [TestCase("Psk", "psk")]
    [TestCase("X25519", "x25519")]
    [TestCase("ENCR_AES_CBC", "encr-aes-cbc")]
    [TestCase("PublicKey", "public-key")]
    public void SpellsEnumMembersInKebabCase(string name, string expected)
    {
        Assert.That(ConfigValues.KebabCase(name), Is.EqualTo(expected));
    }
}
