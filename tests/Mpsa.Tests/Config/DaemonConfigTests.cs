using System.Net.Sockets;
using System.Net;
using Mpsa.Agent.Config;
using Mpsa.Controller;
using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Kernel;
using Mpsa.Tests.EndToEnd;

namespace Mpsa.Tests.Config;

/// <summary>The daemons' own schemas: the shipped example files read cleanly, and each rule reports its line.</summary>
public class DaemonConfigTests
{
    private const string Path = "/etc/mpsa/test.conf";

    private static string[] AgentErrors(string text)
    {
        ConfigReader.TryRead(IniFile.Parse(Path, text), r => AgentConfigFile.Read(r, _ => { }), out _, out var errors);
        return [.. errors.Select(e => e.ToString())];
    }

    private static string[] ControllerErrors(string text)
    {
        ConfigReader.TryRead(IniFile.Parse(Path, text), r => ControllerConfigFile.Read(r, _ => { }), out _, out var errors);
        return [.. errors.Select(e => e.ToString())];
    }

    [Test]
    public void ReadsTheShippedAgentExampleWithEveryKey()
    {
        string file = System.IO.Path.Combine(Daemon.RepoRoot, "packaging/openwrt/mpsa.conf");
        Assert.That(ConfigReader.TryLoad(file, r => AgentConfigFile.Read(r, _ => { }), out var s, out var errors), Is.True, string.Join("\n", errors));
        Assert.That(s!.Identity, Is.EqualTo("cpe1.example.net"));
        Assert.That(s.Controller, Is.EqualTo(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 500)));
        Assert.That(s.ControllerIdentity, Is.EqualTo("controller.example.net"));
        Assert.That(s.LivenessInterval, Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That((s.RetryMin, s.RetryMax), Is.EqualTo((TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2))));
    }

    [Test]
    public void ReadsTheShippedControllerExample()
    {
        string file = System.IO.Path.Combine(Daemon.RepoRoot, "packaging/controller.conf.example");
        var warnings = new List<ConfigError>();
        ConfigReader.TryLoad(file, r => ControllerConfigFile.Read(r, warnings.Add), out var s, out var errors);
        // cpe2's psk_file does not exist on a build machine: the only error is that one, at its line.
        var only = errors.Single();
        Assert.That(only.Message, Does.StartWith("psk_file: cannot read"));
        Assert.That(File.ReadLines(file).ElementAt(only.Line - 1).Trim(), Is.EqualTo("psk_file = /etc/mpsa/cpe2.psk"));
    }

    [Test]
    public void ReadsTheBgpExamplesExceptForTheirSecretFiles()
    {
        string dir = System.IO.Path.Combine(Daemon.RepoRoot, "packaging/examples/bgp");
        ConfigReader.TryLoad(System.IO.Path.Combine(dir, "cpe-mpsa.conf"), r => AgentConfigFile.Read(r, _ => { }), out var cpe, out var errors);
        Assert.That(errors.Select(e => e.Message), Has.All.StartWith("psk_file: cannot read"), "only the PSK file is missing on a build machine");
        ConfigReader.TryLoad(System.IO.Path.Combine(dir, "controller-mpsa.conf"), r => ControllerConfigFile.Read(r, _ => { }), out _, out errors);
        Assert.That(errors.Select(e => e.Message), Has.All.StartWith("psk_file: cannot read"));

        var text = File.ReadAllText(System.IO.Path.Combine(dir, "cpe-mpsa.conf")).Replace("psk_file = /etc/mpsa/psk", "psk = \"x\"", StringComparison.Ordinal);
        ConfigReader.TryRead(IniFile.Parse(Path, text), r => AgentConfigFile.Read(r, _ => { }), out cpe, out errors);
        Assert.That(errors, Is.Empty);
        Assert.That((cpe!.DataPlane.RouteTable, cpe.DataPlane.Ipv4InIpv6NextHops?.ToString(), cpe.EspOnly.Single()),
            Is.EqualTo(((int?)100, "64:ff9b::/96", (ProtocolType.Tcp, (ushort)179))));
    }

    [Test]
    public void ReadsTheDataPlaneSection()
    {
        ConfigReader.TryRead(IniFile.Parse(Path, """
            [agent]
            identity = cpe1
            psk = "x"
            [controller]
            address = 192.0.2.1
            identity = controller.example.net
            [dataplane]
            mode = tunnel
            underlay = 192.0.2.11
            subnets = 10.1.1.0/24, fd00:1:1::/64
            route_table = 100
            peer_networks = 192.0.2.0/24, 198.18.0.0/15
            ipv4_in_ipv6_next_hops = 64:ff9b::/96
            reqid = 0x1000
            [peer b]
            address = 192.0.2.12
            subnets = 10.1.2.0/24
            """), r => AgentConfigFile.Read(r, _ => { }), out var s, out var errors);
        Assert.That(errors, Is.Empty);
        var d = s!.DataPlane;
        Assert.That((d.Mode, d.Underlay, d.RouteTable, d.ReqId), Is.EqualTo((XfrmMode.Tunnel, IPAddress.Parse("192.0.2.11"), (int?)100, 0x1000u)));
        Assert.That(d.Subnets.Select(p => p.ToString()), Is.EqualTo(new[] { "10.1.1.0/24", "fd00:1:1::/64" }));
        Assert.That(d.Peers.Single().Subnets.Single().ToString(), Is.EqualTo("10.1.2.0/24"));
        Assert.That(d.PeerNetworks.Select(p => p.ToString()), Is.EqualTo(new[] { "192.0.2.0/24", "198.18.0.0/15" }));
        Assert.That(d.Ipv4InIpv6NextHops?.ToString(), Is.EqualTo("64:ff9b::/96"));
    }

    [TestCase("", "0.0.0.0:4500")]
    [TestCase("listen = 192.0.2.1:500, [2001:db8::1]:500, 192.0.2.1:600\n", "192.0.2.1:4500 [2001:db8::1]:4500")]
    [TestCase("listen = 192.0.2.1:500, 192.0.2.1:4500\n", "")]
    [TestCase("listen = 192.0.2.1:500\nnatt = no\n", "")]
    public void ListensOnTheNatTraversalPortBesideEachPort500UnlessTold(string listen, string expected)
    {
        ConfigReader.TryRead(IniFile.Parse(Path, $"[controller]\nidentity = c\n{listen}[group g]\nesp = aes256-sha256\n"),
            r => ControllerConfigFile.Read(r, _ => { }), out var settings, out var errors);
        Assert.That(errors, Is.Empty);
        Assert.That(string.Join(' ', settings!.NatTraversalListen), Is.EqualTo(expected));
    }

    [Test]
    public void ReadsEspOnlyInBothDaemonsAndNamesWhatIsWrongWithAnEntry()
    {
        ConfigReader.TryRead(IniFile.Parse(Path, "[agent]\nidentity = a\npsk = \"x\"\n[controller]\naddress = 192.0.2.1\nidentity = c\nesp_only = tcp/179, gre, udp/53\n"),
            r => AgentConfigFile.Read(r, _ => { }), out var agent, out var errors);
        Assert.That(errors, Is.Empty);
        Assert.That(agent!.EspOnly, Is.EqualTo(new[] { (ProtocolType.Tcp, (ushort)179), ((ProtocolType)47, (ushort)0), (ProtocolType.Udp, (ushort)53) }));
        ConfigReader.TryRead(IniFile.Parse(Path, "[controller]\nidentity = c\nesp_only = tcp/179\n[group g]\nesp = aes256-sha256\n"),
            r => ControllerConfigFile.Read(r, _ => { }), out var controller, out errors);
        Assert.That(errors, Is.Empty);
        Assert.That(controller!.EspOnly, Is.EqualTo(new[] { (ProtocolType.Tcp, (ushort)179) }));

        Assert.That(ControllerErrors("[controller]\nidentity = c\nesp_only = gre/5\n[group g]\nesp = aes256-sha256\n"),
            Is.EqualTo(new[] { $"{Path}:3: esp_only: 'gre/5': only tcp and udp have ports" }));
        Assert.That(ControllerErrors("[controller]\nidentity = c\nesp_only = tcp/0\n[group g]\nesp = aes256-sha256\n"),
            Is.EqualTo(new[] { $"{Path}:3: esp_only: 'tcp/0': the port must be 1-65535" }));
        Assert.That(ControllerErrors("[controller]\nidentity = c\nesp_only = bgp\n[group g]\nesp = aes256-sha256\n")[0],
            Does.StartWith($"{Path}:3: esp_only: 'bgp' is not traffic to keep inside the CHILD_SA"));
    }

    [TestCase("wan", "")]
    [TestCase("wan_6.pppoe-1", "")]
    [TestCase("wan 6", "'wan 6' is not an OpenWrt interface name (letters, digits, _ . -; at most 15)")]
    [TestCase("wan;reboot", "'wan;reboot' is not an OpenWrt interface name (letters, digits, _ . -; at most 15)")]
    [TestCase("a_sixteen_chars_", "'a_sixteen_chars_' is not an OpenWrt interface name (letters, digits, _ . -; at most 15)")]
    public void ChecksTheUplinkInterfaceThatTheInitScriptHandsToProcd(string value, string message)
    {
        Assert.That(AgentErrors($"[agent]\nidentity = a\npsk = \"x\"\nuplink_interface = {value}\n[controller]\naddress = 192.0.2.1\nidentity = c\n"),
            Is.EqualTo(message.Length == 0 ? Array.Empty<string>() : new[] { $"{Path}:4: uplink_interface: {message}" }));
    }

    [Test]
    public void ReadsTheAgentsRetransmissionScheduleAndRefusesOneOutOfRange()
    {
        const string Head = "[agent]\nidentity = a\npsk = \"x\"\n";
        const string Tail = "[controller]\naddress = 192.0.2.1\nidentity = c\n";
        ConfigReader.TryRead(IniFile.Parse(Path, Head + "retransmit_timeout = 500ms\nretransmit_tries = 3\n" + Tail),
            r => AgentConfigFile.Read(r, _ => { }), out var s, out var errors);
        Assert.That(errors, Is.Empty);
        Assert.That(s!.Retransmit.Timeout(1), Is.EqualTo(TimeSpan.FromMilliseconds(500)));
        Assert.That(s.Retransmit.Timeout(3), Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(s.Retransmit.MaxTransmissions, Is.EqualTo(3));
        ConfigReader.TryRead(IniFile.Parse(Path, Head + Tail), r => AgentConfigFile.Read(r, _ => { }), out s, out _);
        Assert.That(s!.Retransmit, Is.EqualTo(RetransmitPolicy.Default));
        Assert.That(AgentErrors(Head + "retransmit_tries = 0\n" + Tail), Has.Length.EqualTo(1).And.Some.StartsWith($"{Path}:4: retransmit_tries:"));
        Assert.That(AgentErrors(Head + "retransmit_timeout = 2h\n" + Tail), Has.Length.EqualTo(1).And.Some.StartsWith($"{Path}:4: retransmit_timeout:"));
    }

    [TestCase("", 60)]
    [TestCase("key_share_reuse = 0\n", 0)]
    [TestCase("key_share_reuse = 5m\n", 300)]
    public void ReadsKeyShareReuse(string line, int seconds)
    {
        string text = $"[controller]\nidentity = c\n{line}[group g]\nesp = aes256-sha256\n";
        Assert.That(ConfigReader.TryRead(IniFile.Parse(Path, text), r => ControllerConfigFile.Read(r, _ => { }), out var s, out var errors), Is.True, string.Join("\n", errors));
        Assert.That(s!.KeyShareReuse, Is.EqualTo(TimeSpan.FromSeconds(seconds)));
    }

    [Test]
    public void RefusesAKeyShareReusedForMoreThanAnHour() =>
        Assert.That(ControllerErrors("[controller]\nidentity = c\nkey_share_reuse = 2h\n[group g]\nesp = aes256-sha256\n"),
            Has.Length.EqualTo(1).And.Some.StartsWith($"{Path}:3: key_share_reuse:"));

    [Test]
    public void ReadsMobikeInBothDaemons()
    {
        Assert.That(AgentErrors("[agent]\nidentity = a\npsk = \"x\"\nmobike = no\n[controller]\naddress = 192.0.2.1\nidentity = c\n"), Is.Empty);
        Assert.That(AgentErrors("[agent]\nidentity = a\npsk = \"x\"\nmobike = maybe\n[controller]\naddress = 192.0.2.1\nidentity = c\n"),
            Has.Length.EqualTo(1).And.Some.StartsWith($"{Path}:4: mobike:"));
        Assert.That(ControllerErrors("[controller]\nidentity = c\nmobike = no\n[group g]\nesp = aes256-sha256\n"), Is.Empty);
    }

    [TestCase("10.0.0.0/8", "'10.0.0.0/8' is not an IPv6 /96: the IPv4 peer fills its last 32 bits")]
    [TestCase("64:ff9b::/64", "'64:ff9b::/64' is not an IPv6 /96: the IPv4 peer fills its last 32 bits")]
    public void RefusesAnIpv4InIpv6PrefixThatIsNotAnIpv6Slash96(string value, string message)
    {
        Assert.That(AgentErrors($"[agent]\nidentity = a\npsk = \"x\"\n[controller]\naddress = 192.0.2.1\nidentity = c\n[dataplane]\nipv4_in_ipv6_next_hops = {value}\n"),
            Is.EqualTo(new[] { $"{Path}:8: ipv4_in_ipv6_next_hops: {message}" }));
    }

    [Test]
    public void ReportsAgentRuleViolationsWithTheirLines()
    {
        Assert.That(AgentErrors("""
            [agent]
            identity = cpe1
            psk = "x"
            psk_file = /etc/mpsa/psk
            retry_min = 10s
            retry_max = 5s
            [controller]
            port = 500
            identity = controller.example.net
            [dataplane]
            mode = transport
            subnets = 10.0.0.0/8
            [peer b]
            address = 192.0.2.12
            """), Is.EqualTo(new[]
        {
            $"{Path}:4: psk_file: give either psk or psk_file, not both",
            $"{Path}:6: retry_max: must not be shorter than retry_min (10s)",
            $"{Path}:7: missing required key 'address' in [controller]",
            $"{Path}:12: subnets: transport mode protects traffic between underlay addresses; subnets belong to tunnel mode",
        }));
        Assert.That(AgentErrors("[agent]\nidentity = a\npsk = \"x\"\n[controller]\naddress = 192.0.2.1\nidentity = c\n[peer b]\naddress = 192.0.2.12\n"),
            Is.EqualTo(new[] { $"{Path}:7: subnets: a tunnel-mode peer needs the subnets behind it" }));
    }

    [Test]
    public void WarnsOfAShortPskAtItsLineWithoutRefusingItOrShowingIt()
    {
        static (bool Ok, string[] Warnings) Read(string text, Func<ConfigReader, Action<ConfigError>, object> read)
        {
            var warnings = new List<ConfigError>();
            bool ok = ConfigReader.TryRead(IniFile.Parse(Path, text), r => read(r, warnings.Add), out _, out _);
            return (ok, [.. warnings.Select(w => w.ToString())]);
        }
        const string Tail = "[controller]\naddress = 192.0.2.1\nidentity = c\n";
        var (ok, warnings) = Read("[agent]\nidentity = a\npsk = \"hunter2hunter2!\"\n" + Tail, (r, w) => AgentConfigFile.Read(r, w));
        Assert.That(ok, Is.True);
        Assert.That(warnings, Is.EqualTo(new[]
        {
            $"{Path}:3: psk: warning: a PSK of 15 bytes can be guessed offline by whoever answers one peer in the other's place "
                + "(RFC 7296 §2.15); use 16 or more random bytes (`openssl rand -hex 32`, written 0x...)",
        }));
        Assert.That(Read("[agent]\nidentity = a\npsk = \"hunter2hunter2!!\"\n" + Tail, (r, w) => AgentConfigFile.Read(r, w)).Warnings, Is.Empty);
        Assert.That(Read("[agent]\nidentity = a\npsk = 0x" + new string('5', 32) + "\n" + Tail, (r, w) => AgentConfigFile.Read(r, w)).Warnings, Is.Empty,
            "16 bytes written in hex");

        (ok, warnings) = Read("[controller]\nidentity = c\n[group g]\n[member m]\nidentity = m\ngroup = g\npsk = 0x0102\n",
            (r, w) => ControllerConfigFile.Read(r, w));
        Assert.That(ok, Is.True);
        Assert.That(warnings, Has.Length.EqualTo(1).And.Some.StartsWith($"{Path}:7: psk: warning: a PSK of 2 bytes "));
    }

    [Test]
    public void RefusesAnAgentWithoutTheControllersIdentityAtTheControllerHeader()
    {
        // With certificates of one CA, any member's certificate could pose as the controller: the identity is required.
        Assert.That(AgentErrors("[agent]\nidentity = cpe1\npsk = \"x\"\n\n[controller]\naddress = 192.0.2.1\n"),
            Is.EqualTo(new[] { $"{Path}:5: missing required key 'identity' in [controller]" }));
        Assert.That(AgentErrors("[agent]\nidentity = cpe1\npsk = \"x\"\n[controller]\naddress = 192.0.2.1\nidentity =\n"),
            Is.EqualTo(new[] { $"{Path}:6: identity: the identity is empty" }));
    }

    [Test]
    public void ReportsAnIdentityThatIsNoneOfItsTypeAtItsLine()
    {
        Assert.That(AgentErrors("[agent]\nidentity = CN=cpe1, XX=lab\npsk = \"x\"\n[controller]\naddress = 192.0.2.1\nidentity = ipv4:ctl\n"),
            Is.EqualTo(new[]
            {
                $"{Path}:2: identity: 'CN=cpe1, XX=lab' is not a distinguished name: unknown attribute type 'XX' (known: C, ST, L, O, OU, CN, "
                    + "serialNumber, E, DC, UID, STREET, title, surname, givenName, initials, generationQualifier, dnQualifier, pseudonym, "
                    + "postalCode; or a dotted OID)",
                $"{Path}:6: identity: 'ctl' is not an IPv4 address",
            }));
    }

    [Test]
    public void FindsTwoMembersWithOneIdentityByTypeAndValue()
    {
        const string Head = "[controller]\nidentity = c\n[group g]\nesp = aes256-sha256\n";
        Assert.That(ControllerErrors(Head + "[member a]\nidentity = cpe1.example.net\npsk = \"x\"\ngroup = g\n"
            + "[member b]\nidentity = CPE1.Example.net\npsk = \"y\"\ngroup = g\n"),
            Is.EqualTo(new[] { $"{Path}:10: identity: 'CPE1.Example.net' is already the identity of [member a]" }));
        Assert.That(ControllerErrors(Head + "[member a]\nidentity = O=Example, CN=cpe1\npsk = \"x\"\ngroup = g\n"
            + "[member b]\nidentity = o=example,cn=CPE1\npsk = \"y\"\ngroup = g\n"),
            Is.EqualTo(new[] { $"{Path}:10: identity: 'o=example,cn=CPE1' is already the identity of [member a]" }));
        Assert.That(ControllerErrors(Head + "[member a]\nidentity = cpe1@example.net\npsk = \"x\"\ngroup = g\n"
            + "[member b]\nidentity = fqdn:cpe1@example.net\npsk = \"y\"\ngroup = g\n"
            + "[member c]\nidentity = O=Example\\, CN=cpe1\npsk = \"z\"\ngroup = g\n"
            + "[member d]\nidentity = O=Example, CN=cpe1\npsk = \"w\"\ngroup = g\n"), Is.Empty, "other types, other DNs");
    }

    [Test]
    public void ReadsTheResourceLimitsAndRefusesUnsafeOnes()
    {
        const string Head = "[controller]\nidentity = c\n";
        const string Tail = "\n[group g]\n";
        ConfigReader.TryRead(IniFile.Parse(Path, Head + "max_ike_sas = 500\nmax_ike_sas_per_address = 2\nmax_message_size = 4000\nmax_payloads = 16\nmax_half_open = 50\nmax_pending_requests = 100" + Tail),
            r => ControllerConfigFile.Read(r, _ => { }), out var s, out var errors);
        Assert.That(errors, Is.Empty);
        Assert.That(s!.Limits, Is.EqualTo(new Ike.Exchanges.ResponderLimits { MaxIkeSas = 500, MaxIkeSasPerAddress = 2, MaxMessageSize = 4000, MaxPayloads = 16, MaxHalfOpen = 50 }));
        Assert.That(s.MaxQueuedDatagrams, Is.EqualTo(100));
        Assert.That(ControllerErrors(Head + "max_message_size = 1000\nmax_payloads = 65\nmax_ike_sas_per_address = 0" + Tail), Has.Length.EqualTo(3)
            .And.Some.StartsWith($"{Path}:3: max_message_size")
            .And.Some.StartsWith($"{Path}:4: max_payloads")
            .And.Some.StartsWith($"{Path}:5: max_ike_sas_per_address"));
    }

    [Test]
    public void RefusesCounterModeAeadAndRolloverTimersThatCannotWork()
    {
        Assert.That(ControllerErrors("""
            [controller]
            identity = c
            [group g]
            esp = chacha20poly1305
            lifetime = 60s
            rekey_margin = 20s
            roll1 = 30s
            roll2 = 30s
            [member m]
            identity = m
            psk = "x"
            group = nope
            """), Is.EqualTo(new[]
        {
            $"{Path}:4: esp: chacha20poly1305 is a counter-mode AEAD: every member would make IVs under the same key (use aes256-sha256 or another CBC + HMAC suite)",
            $"{Path}:6: rekey_margin: must be longer than roll2 (30s) so the rollover ends before the old SA's lifetime",
            $"{Path}:8: roll2: must be longer than roll1 (30s): the old inbound SA has to outlive the switch of every sender",
            $"{Path}:12: group: no [group nope] (groups: g)",
        }));
    }

    [Test]
    public void RefusesTwoMembersWithOneIdentity()
    {
        var errors = ControllerErrors("[controller]\nidentity = c\n[group g]\n[member a]\nidentity = x.example\npsk = \"1\"\ngroup = g\n[member b]\nidentity = x.example\npsk = \"2\"\ngroup = g\n");
        Assert.That(errors, Is.EqualTo(new[] { $"{Path}:9: identity: 'x.example' is already the identity of [member a]" }));
    }

    [Test]
    public void ReadsRekeyLifetimesAndReportsABadJitterAtItsLine()
    {
        const string agent = """
            [agent]
            identity = cpe.example.net
            psk = "a pre-shared key of some length"
            ike_lifetime = 2h
            child_lifetime = 20m
            rekey_jitter = 60%
            [controller]
            address = 192.0.2.1
            identity = controller.example.net
            """;
        Assert.That(AgentErrors(agent), Is.EqualTo(new[] { $"{Path}:6: rekey_jitter: '60%' is not a percentage from 0% to 50%" }));

        Assert.That(ConfigReader.TryRead(IniFile.Parse(Path, agent.Replace("60%", "5%", StringComparison.Ordinal)),
            r => AgentConfigFile.Read(r, _ => { }), out var settings, out _), Is.True);
        Assert.That(settings!.Rekey, Is.EqualTo(new Mpsa.Ike.Exchanges.RekeyPolicy(TimeSpan.FromHours(2), TimeSpan.FromMinutes(20), 5)));
        Assert.That(settings.Rekey.ChildHardLifetime, Is.EqualTo(TimeSpan.FromMinutes(22)), "the kernel's hard lifetime: +10 %");

        Assert.That(ControllerErrors("""
            [controller]
            identity = controller.example.net
            child_lifetime = 5s
            """), Has.Some.StartsWith($"{Path}:3: child_lifetime:"));
    }

    [Test]
    public void ReauthTimeIsOffByDefaultADurationOrNo()
    {
        string Agent(string reauth) => $"""
            [agent]
            identity = cpe.example.net
            psk = "a pre-shared key of some length"
            {reauth}
            [controller]
            address = 192.0.2.1
            identity = controller.example.net
            """;
        Mpsa.Ike.Exchanges.RekeyPolicy Read(string text)
        {
            Assert.That(ConfigReader.TryRead(IniFile.Parse(Path, text), r => AgentConfigFile.Read(r, _ => { }), out var settings, out var errors),
                Is.True, string.Join("\n", errors));
            return settings!.Rekey;
        }
        Assert.Multiple(() =>
        {
            Assert.That(Read(Agent("")).ReauthTime, Is.EqualTo(TimeSpan.Zero));
            Assert.That(Read(Agent("reauth_time = no")).ReauthTime, Is.EqualTo(TimeSpan.Zero));
            Assert.That(Read(Agent("reauth_time = 0")).ReauthTime, Is.EqualTo(TimeSpan.Zero));
            Assert.That(Read(Agent("reauth_time = 12h")).ReauthTime, Is.EqualTo(TimeSpan.FromHours(12)));
            Assert.That(AgentErrors(Agent("reauth_time = 5s")), Is.EqualTo(new[]
            {
                $"{Path}:4: reauth_time: '5s' is not a duration from 30s to 365d (like 12h, 7d), or 0/no for never",
            }));
        });
        Assert.That(ControllerErrors("""
            [controller]
            identity = controller.example.net
            reauth_time = soon
            """), Has.Some.StartsWith($"{Path}:3: reauth_time: 'soon' is not a duration"));
    }
}
