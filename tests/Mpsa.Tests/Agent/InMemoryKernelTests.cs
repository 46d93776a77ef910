using System.Net;
using Mpsa.Netlink.Kernel;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;
using static Mpsa.Tests.Agent.KernelSpecs;

namespace Mpsa.Tests.Agent;

/// <summary>The in-memory kernel answers as XFRM does: states keyed by (destination, SPI, protocol), policies by (selector, direction, mark).</summary>
public class InMemoryKernelTests
{
    [Test]
    public void ReportsAlreadyExistsForSameDestinationSpiAndProtocol()
    {
        using var kernel = new InMemoryKernel();
        Assert.That(kernel.AddState(State("192.0.2.1", 0xc0000101)).Status, Is.EqualTo(KernelStatus.Ok));

        var again = kernel.AddState(State("192.0.2.1", 0xc0000101, source: "198.51.100.9"));
        Assert.That(again.Status, Is.EqualTo(KernelStatus.AlreadyExists), "the source is not part of the key");
        Assert.That(again.Errno, Is.EqualTo(17));
        Assert.That(again.Message, Does.StartWith("add state src 198.51.100.9 dst 192.0.2.1 spi 0xc0000101"));

        Assert.That(kernel.AddState(State("192.0.2.2", 0xc0000101)).IsOk, "another destination is another state");
        Assert.That(kernel.AddState(State("192.0.2.1", 0xc0000102)).IsOk, "another SPI is another state");
        Assert.That(kernel.States, Has.Count.EqualTo(3));
    }

    [Test]
    public void ReportsNotFoundForMissingStateOrPolicy()
    {
        using var kernel = new InMemoryKernel();
        var id = new XfrmStateId(IPAddress.Parse("192.0.2.1"), new EspSpi(7));

        Assert.That(kernel.DeleteState(id).Status, Is.EqualTo(KernelStatus.NotFound));
        Assert.That(kernel.UpdateState(State("192.0.2.1", 7)).Status, Is.EqualTo(KernelStatus.NotFound));
        Assert.That(kernel.DeletePolicy(Policy("10.0.0.0/8", "10.1.0.0/16", XfrmDirection.Out).Id).Status, Is.EqualTo(KernelStatus.NotFound));
        Assert.That(kernel.DeleteState(id).Message, Is.EqualTo("delete state dst 192.0.2.1 spi 0x00000007 esp: not found"));
    }

    [Test]
    public void KeepsItsOwnCopyOfKeysAndZeroesItWhenTheStateGoes()
    {
        using var kernel = new InMemoryKernel();
        var spec = State("192.0.2.1", 0xc0000101, keyByte: 0x10);
        kernel.AddState(spec);
        spec.EncrKey.Dispose();
        spec.IntegKey.Dispose();

        var held = kernel.FindState(spec.Id)!;
        Assert.That(held.EncrKey.Span.ToArray(), Is.All.EqualTo((byte)0x10), "the caller may dispose its keys after the call");

        kernel.DeleteState(spec.Id);
        Assert.Throws<ObjectDisposedException>(() => _ = held.EncrKey.Span.Length);
        Assert.That(kernel.FindState(spec.Id), Is.Null);
    }

    [Test]
    public void UpdatesStateInPlace()
    {
        using var kernel = new InMemoryKernel();
        kernel.AddState(State("192.0.2.1", 0xc0000101));

        Assert.That(kernel.UpdateState(State("192.0.2.1", 0xc0000101) with { HardLifetimeSeconds = 9999 }).IsOk);

        Assert.That(kernel.States.Single().HardLifetimeSeconds, Is.EqualTo(9999));
    }

    [Test]
    public void RefusesStateWhoseKeysDoNotFitItsSuite()
    {
        using var kernel = new InMemoryKernel();
        var spec = State("192.0.2.1", 1) with { IntegKey = SecretBytes.CopyFrom(new byte[20]) };

        var r = kernel.AddState(spec);

        Assert.That(r.Status, Is.EqualTo(KernelStatus.Failed));
        Assert.That(r.Errno, Is.EqualTo(22));
        Assert.That(kernel.States, Is.Empty);
    }

    [Test]
    public void KeysPoliciesBySelectorDirectionAndMark()
    {
        using var kernel = new InMemoryKernel();
        Assert.That(kernel.AddPolicy(Policy("10.0.0.0/8", "10.1.0.0/16", XfrmDirection.Out)).IsOk);
        Assert.That(kernel.AddPolicy(Policy("10.0.0.0/8", "10.1.0.0/16", XfrmDirection.Out, reqId: 5)).Status,
            Is.EqualTo(KernelStatus.AlreadyExists), "the template is not part of the key");
        Assert.That(kernel.AddPolicy(Policy("10.0.0.0/8", "10.1.0.0/16", XfrmDirection.Fwd)).IsOk);
        Assert.That(kernel.AddPolicy(Policy("10.0.0.0/8", "10.1.0.0/16", XfrmDirection.Out, mark: new XfrmMark(2))).IsOk);
        Assert.That(kernel.AddPolicy(Policy("10.0.0.0/8", "10.2.0.0/16", XfrmDirection.Out)).IsOk);

        Assert.That(kernel.UpdatePolicy(Policy("10.0.0.0/8", "10.1.0.0/16", XfrmDirection.Out, reqId: 5)).IsOk, "UPDPOLICY replaces");
        Assert.That(kernel.Policies, Has.Count.EqualTo(4));
        Assert.That(kernel.Policies.Single(p => p.Direction == XfrmDirection.Out && p.Mark is null && p.Selector.Destination.Length == 16
            && p.Selector.Destination.Address.Equals(IPAddress.Parse("10.1.0.0"))).ReqId, Is.EqualTo(5));
        Assert.That(kernel.DeletePolicy(Policy("10.0.0.0/8", "10.1.0.0/16", XfrmDirection.Fwd).Id).IsOk);
        Assert.That(kernel.Policies, Has.Count.EqualTo(3));
    }

    [Test]
    public void AllocatesFreeSpiAsLarvalStateThatAnUpdateCompletes()
    {
        using var kernel = new InMemoryKernel();
        var local = IPAddress.Parse("192.0.2.1");
        kernel.AddState(State("192.0.2.1", 0x100));

        Assert.That(kernel.AllocateSpi(null, local, 1001, 0x100, 0x1ff, out var spi).IsOk);
        Assert.That(spi, Is.EqualTo(new EspSpi(0x101)), "0x100 is taken");
        Assert.That(kernel.LarvalCount, Is.EqualTo(1));
        Assert.That(kernel.AddState(State("192.0.2.1", 0x101)).Status, Is.EqualTo(KernelStatus.AlreadyExists), "as NEWSA on a larval state");

        Assert.That(kernel.UpdateState(State("192.0.2.1", 0x101)).IsOk);
        Assert.That(kernel.LarvalCount, Is.Zero);
        Assert.That(kernel.States, Has.Count.EqualTo(2));

        Assert.That(kernel.AllocateSpi(null, local, 1001, 0x100, 0x101, out _).Status, Is.EqualTo(KernelStatus.Failed), "range exhausted");
        Assert.That(kernel.AllocateSpi(null, local, 1001, 5, 4, out _).Errno, Is.EqualTo(22));
    }

    [Test]
    public void ListsOnlyOwnedStatesAndPolicies()
    {
        using var kernel = new InMemoryKernel();
        kernel.AddState(State("192.0.2.1", 1, reqId: 1001));
        kernel.AddState(State("192.0.2.1", 2, reqId: 1002, mark: new XfrmMark(7)));
        kernel.AddState(State("192.0.2.1", 3, reqId: 42));
        kernel.AddPolicy(Policy("10.0.0.0/8", "10.1.0.0/16", XfrmDirection.Out, reqId: 1001));
        kernel.AddPolicy(Policy("10.0.0.0/8", "10.1.0.0/16", XfrmDirection.In, reqId: 42));

        Assert.That(kernel.ListStates(new KernelOwnership(1000, 1999)).Select(s => s.Spi.Value), Is.EquivalentTo(new uint[] { 1, 2 }));
        Assert.That(kernel.ListStates(new KernelOwnership(1000, 1999, new XfrmMark(7))).Select(s => s.Spi.Value), Is.EqualTo(new uint[] { 2 }));
        Assert.That(kernel.ListPolicies(KernelOwnership.Of(1001)).Single().Direction, Is.EqualTo(XfrmDirection.Out));
    }

    [Test]
    public void DeliversExpireEventsUntilUnsubscribed()
    {
        using var kernel = new InMemoryKernel();
        var events = new List<KernelEvent>();
        var spec = State("192.0.2.1", 0xc0000101);
        kernel.AddState(spec);
        var subscription = kernel.Subscribe(events.Add);

        Assert.That(kernel.Expire(spec.Id, hard: false));
        Assert.That(kernel.States, Has.Count.EqualTo(1), "a soft expiry only warns");
        Assert.That(kernel.Expire(spec.Id, hard: true));
        Assert.That(kernel.States, Is.Empty, "a hard expiry deletes");
        Assert.That(events, Is.EqualTo(new KernelEvent[] { new StateExpired(spec.Id, 1001, false), new StateExpired(spec.Id, 1001, true) }));

        kernel.AddState(State("192.0.2.1", 0xc0000101));
        subscription.Dispose();
        kernel.Expire(spec.Id, hard: true);
        Assert.That(events, Has.Count.EqualTo(2));
    }

    [Test]
    public void DeliversAcquireForPolicyWithTemplate()
    {
        using var kernel = new InMemoryKernel();
        var policy = Policy("10.0.0.0/8", "10.1.0.0/16", XfrmDirection.Out);
        kernel.AddPolicy(policy);
        var events = new List<KernelEvent>();
        using var _ = kernel.Subscribe(events.Add);

        Assert.That(kernel.Acquire(policy.Id, IPAddress.Parse("198.51.100.2")));

        var acquire = (AcquireRequested)events.Single();
        Assert.That(acquire.Destination, Is.EqualTo(IPAddress.Parse("198.51.100.2")));
        Assert.That(acquire.ReqId, Is.EqualTo(1001));
    }

    [Test]
    public void TracesEveryRequestWithFingerprintInsteadOfKeys()
    {
        var trace = new List<string>();
        using var kernel = new InMemoryKernel(trace.Add);
        var spec = State("198.51.100.2", 0xc0000101, source: "192.0.2.1", direction: XfrmDirection.Out, keyByte: 0xab);
        string fingerprint = KeymatFingerprint.Of([spec.EncrKey, spec.IntegKey]);

        kernel.AddState(spec);
        kernel.AddState(spec);
        kernel.DeleteState(spec.Id);

        Assert.That(trace, Is.EqualTo(new[]
        {
            "add state out src 192.0.2.1 dst 198.51.100.2 spi 0xc0000101 esp cbc(aes) 256 hmac(sha256) 128 tunnel replay 0 reqid 0x3e9 life 3660s fp " + fingerprint,
            "add state out src 192.0.2.1 dst 198.51.100.2 spi 0xc0000101 esp cbc(aes) 256 hmac(sha256) 128 tunnel replay 0 reqid 0x3e9 life 3660s fp " + fingerprint + " -> already exists",
            "delete state dst 198.51.100.2 spi 0xc0000101 esp",
        }));
        Assert.That(string.Join("\n", trace), Does.Not.Contain("abab").IgnoreCase.And.Not.Contain("acac").IgnoreCase);
    }

    [TestCase("10.1.0.0/16", "10.1.255.7", true)]
    [TestCase("10.1.0.0/16", "10.2.0.1", false)]
    [TestCase("10.1.128.0/17", "10.1.127.255", false)]
    [TestCase("0.0.0.0/0", "203.0.113.9", true)]
    [TestCase("2001:db8::/32", "2001:db8:ffff::1", true)]
    [TestCase("2001:db8::/32", "10.1.0.1", false)]
    public void MatchesAddressesInsidePrefix(string prefix, string address, bool inside) =>
        Assert.That(IpPrefix.Parse(prefix).Contains(IPAddress.Parse(address)), Is.EqualTo(inside));

    [Test]
    public void RejectsPrefixLongerThanTheAddress()
    {
        Assert.Throws<FormatException>(() => IpPrefix.Parse("10.0.0.0/33"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new IpPrefix(IPAddress.Parse("10.0.0.0"), 33));
        Assert.That(IpPrefix.Parse("2001:db8::1").ToString(), Is.EqualTo("2001:db8::1/128"));
    }
}
