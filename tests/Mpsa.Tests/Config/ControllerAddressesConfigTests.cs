using System.Net;
using Mpsa.Agent.Config;
using Mpsa.Hosting;

namespace Mpsa.Tests.Config;

/// <summary>The agent's <c>[controller] address = a, b, c</c>: the replicas in order, on one port, one per line of error.</summary>
public class ControllerAddressesConfigTests
{
    private const string Path = "/etc/mpsa/test.conf";

    private static string Agent(string controllerLines) =>
        $"[agent]\nidentity = cpe1\npsk = \"x\"\n[controller]\n{controllerLines}\nidentity = controller.example.net\n";

    private static (AgentSettings? Settings, string[] Errors) Read(string controllerLines)
    {
        ConfigReader.TryRead(IniFile.Parse(Path, Agent(controllerLines)), r => AgentConfigFile.Read(r, _ => { }), out var settings, out var errors);
        return (settings, [.. errors.Select(e => e.ToString())]);
    }

    private static IPEndPoint At(string address, int port = 500) => new(IPAddress.Parse(address), port);

    [Test]
    public void ReadsAListOfAddressesOnTheOnePort()
    {
        var (s, errors) = Read("address = 192.0.2.1, 192.0.2.2 ,192.0.2.3\nport = 4500");
        Assert.That(errors, Is.Empty);
        Assert.That(s!.Controllers, Is.EqualTo(new[] { At("192.0.2.1", 4500), At("192.0.2.2", 4500), At("192.0.2.3", 4500) }));
        Assert.That(s.Controller, Is.EqualTo(At("192.0.2.1", 4500)), "the first is the one the underlay and the socket are chosen for");
    }

    [Test]
    public void ReadsIpv6Replicas()
    {
        var (s, errors) = Read("address = 2001:db8::1, 2001:db8::2");
        Assert.That(errors, Is.Empty);
        Assert.That(s!.Controllers, Is.EqualTo(new[] { At("2001:db8::1"), At("2001:db8::2") }));
    }

    [Test]
    public void OneAddressIsAListOfOne()
    {
        var (s, errors) = Read("address = 192.0.2.1");
        Assert.That(errors, Is.Empty);
        Assert.That(s!.Controllers, Is.EqualTo(new[] { At("192.0.2.1") }));
        Assert.That(s.Controller, Is.EqualTo(At("192.0.2.1")));
    }

    [TestCase("address = 192.0.2.1, 192.0.2.2, 192.0.2.1", "address: 192.0.2.1 is listed twice")]
    [TestCase("address = 2001:db8::1, 2001:DB8:0::1", "address: 2001:db8::1 is listed twice")]
    [TestCase("address = 192.0.2.1, 2001:db8::1", "address: 2001:db8::1 is not of the same family as 192.0.2.1 (all IPv4 or all IPv6)")]
    [TestCase("address = 192.0.2.1, controller.example.net", "address: 'controller.example.net' is not an IP address")]
    [TestCase("address = 192.0.2.1:500, 192.0.2.2", "address: '192.0.2.1:500' is not an IP address")]
    [TestCase("address = 192.0.2.1,, 192.0.2.2", "address: empty item in the comma-separated list")]
    [TestCase("address = 192.0.2.1 192.0.2.2", "address: '192.0.2.1 192.0.2.2' is not an IP address")]
    [TestCase("address = ,", "address: empty item in the comma-separated list")]
    [TestCase("address =", "address: give at least one IP address")]
    public void RefusesABadListAtItsLine(string line, string error)
    {
        var (_, errors) = Read(line);
        Assert.That(errors, Is.EqualTo(new[] { $"{Path}:5: {error}" }));
    }

    [Test]
    public void AMissingAddressIsStillAMissingKey()
    {
        var (_, errors) = Read("port = 500");
        Assert.That(errors, Is.EqualTo(new[] { $"{Path}:4: missing required key 'address' in [controller]" }));
    }

    [Test]
    public void AChangedListIsANewSessionAndTheSameListIsNot()
    {
        var before = Read("address = 192.0.2.1, 192.0.2.2").Settings!;
        Assert.That(before.SameSession(Read("address = 192.0.2.1,192.0.2.2").Settings!), Is.True);
        Assert.That(before.SameSession(Read("address = 192.0.2.2, 192.0.2.1").Settings!), Is.False, "the order is the failover order");
        Assert.That(before.SameSession(Read("address = 192.0.2.1").Settings!), Is.False);
    }
}
