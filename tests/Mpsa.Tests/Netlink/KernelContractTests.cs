using System.Net;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Kernel;
using static Mpsa.Tests.Netlink.XfrmSpecs;

namespace Mpsa.Tests.Netlink;

/// <summary>
/// The contract every <see cref="IKernel"/> keeps, written once: <see cref="InMemoryKernelContractTests"/> runs it in the
/// normal suite, <see cref="XfrmKernelContractTests"/> against a real kernel (User-Mode Linux, or the host for what the
/// host kernel can do). Outcomes are the kernel's: states keyed by (destination, SPI, protocol), policies by
/// (selector, direction, mark), -EEXIST AlreadyExists, -ESRCH/-ENOENT NotFound, EINVAL for what verify_newsa_info refuses.
/// </summary>
public abstract class KernelContractTests
{
    private static readonly KernelOwnership Owner = new(OwnReqId, OwnReqId + 0xff);

    private protected IKernel Kernel { get; private set; } = null!;

    private protected abstract IKernel CreateKernel();

    /// <summary>Marks the test ignored when the kernel under test cannot hold ESP states (the host's kernel has no ESP).</summary>
    private protected virtual void RequireEspStates()
    {
    }

    [SetUp]
    public void CreateKernelUnderTest() => Kernel = CreateKernel();

    [TearDown]
    public void DisposeKernelUnderTest() => (Kernel as IDisposable)?.Dispose();

    [TestCase("cbc-sha256", "192.0.2.1", null, "tunnel")]
    [TestCase("cbc-sha1", "192.0.2.1", "198.51.100.9", "transport")]
    [TestCase("gcm16", "2001:db8::1", null, "tunnel")]
    [TestCase("chacha20poly1305", "2001:db8::1", "2001:db8::9", "transport")]
    [TestCase("gcm16", "192.0.2.1", "198.51.100.9", "transport")]
    [TestCase("chacha20poly1305", "192.0.2.1", null, "tunnel")]
    [TestCase("cbc-sha256", "2001:db8::1", "2001:db8::9", "tunnel")]
    public void AddsStateOnceThenReportsAlreadyExists(string suite, string destination, string? source, string modeName)
    {
        var mode = Mode(modeName);
        RequireEspStates();
        var spec = State(destination, 0xc0000101, source, suite: Suite(suite), mode: mode);

        Assert.That(Kernel.AddState(spec), Is.EqualTo(KernelResult.Ok));

        var again = Kernel.AddState(State(destination, 0xc0000101, source, suite: Suite(suite), mode: mode, keyByte: 7));
        Assert.That(again.Status, Is.EqualTo(KernelStatus.AlreadyExists), again.Message);
        Assert.That(again.Errno, Is.EqualTo(17));
        Assert.That(Kernel.ListStates(Owner), Is.EqualTo(new[] { spec.Id }));
    }

    [Test]
    public void KeysStatesByDestinationAndSpiNotSource()
    {
        RequireEspStates();
        Assert.That(Kernel.AddState(State("192.0.2.1", 0xc0000101)).IsOk);

        Assert.That(Kernel.AddState(State("192.0.2.1", 0xc0000101, source: "198.51.100.9")).Status, Is.EqualTo(KernelStatus.AlreadyExists));
        Assert.That(Kernel.AddState(State("192.0.2.2", 0xc0000101)).IsOk, "another destination");
        Assert.That(Kernel.AddState(State("192.0.2.1", 0xc0000102)).IsOk, "another SPI");
        Assert.That(Kernel.ListStates(Owner), Has.Count.EqualTo(3));
    }

    [Test]
    public void UpdatesExistingStateAndReportsNotFoundForMissing()
    {
        RequireEspStates();
        Assert.That(Kernel.UpdateState(State("192.0.2.1", 0xc0000101)).Status, Is.EqualTo(KernelStatus.NotFound));

        Assert.That(Kernel.AddState(State("192.0.2.1", 0xc0000101)).IsOk);
        var update = Kernel.UpdateState(State("192.0.2.1", 0xc0000101) with { HardLifetimeSeconds = 9999 });

        Assert.That(update, Is.EqualTo(KernelResult.Ok), update.Message);
    }

    [Test]
    public void DeletesStateThenReportsNotFound()
    {
        RequireEspStates();
        var spec = State("2001:db8::1", 0xc0000101, suite: Gcm16);
        Assert.That(Kernel.AddState(spec).IsOk);

        Assert.That(Kernel.DeleteState(spec.Id), Is.EqualTo(KernelResult.Ok));

        var again = Kernel.DeleteState(spec.Id);
        Assert.That(again.Status, Is.EqualTo(KernelStatus.NotFound));
        Assert.That(again.Message, Is.EqualTo("delete state dst 2001:db8::1 spi 0xc0000101 esp: not found"));
        Assert.That(Kernel.ListStates(Owner), Is.Empty);
    }

    [Test]
    public void ReadsZeroCountersOfNewStateAndNotFoundForMissing()
    {
        RequireEspStates();
        var spec = State("192.0.2.1", 0xc0000101);
        Assert.That(Kernel.GetStateCounters(spec.Id, out _, out _).Status, Is.EqualTo(KernelStatus.NotFound));
        Assert.That(Kernel.AddState(spec).IsOk);

        var r = Kernel.GetStateCounters(spec.Id, out ulong packets, out ulong bytes);

        Assert.That(r, Is.EqualTo(KernelResult.Ok), r.Message);
        Assert.That((packets, bytes), Is.EqualTo((0UL, 0UL)));
    }

    [Test]
    public void FindsMarkedStatesForCountersAndDelete()
    {
        RequireEspStates();
        var mark = new XfrmMark(0x10, 0xff);
        var spec = State("192.0.2.1", 0xc0000101, mark: mark);
        Assert.That(Kernel.AddState(spec).IsOk);

        Assert.That(Kernel.GetStateCounters(spec.Id, out _, out _), Is.EqualTo(KernelResult.Ok));
        Assert.That(Kernel.ListStates(Owner with { Mark = mark }), Is.EqualTo(new[] { spec.Id }));
        Assert.That(Kernel.ListStates(Owner with { Mark = new XfrmMark(0x20, 0xff) }), Is.Empty);
        Assert.That(Kernel.DeleteState(spec.Id), Is.EqualTo(KernelResult.Ok));
        Assert.That(Kernel.ListStates(Owner), Is.Empty);
    }

    [Test]
    public void ListsOnlyStatesInTheOwnersReqIdRange()
    {
        RequireEspStates();
        Assert.That(Kernel.AddState(State("192.0.2.1", 0x1001, reqId: OwnReqId)).IsOk);
        Assert.That(Kernel.AddState(State("192.0.2.1", 0x1002, reqId: OwnReqId + 0xff)).IsOk);
        Assert.That(Kernel.AddState(State("192.0.2.1", 0x1003, reqId: OwnReqId + 0x100)).IsOk);
        Assert.That(Kernel.AddState(State("2001:db8::1", 0x1004, reqId: 7, suite: ChaCha)).IsOk);

        var spis = Kernel.ListStates(Owner).Select(s => s.Spi.Value).Order();

        Assert.That(spis, Is.EqualTo(new uint[] { 0x1001, 0x1002 }));
        Assert.That(Kernel.ListStates(KernelOwnership.Of(7)).Single().Destination, Is.EqualTo(IPAddress.Parse("2001:db8::1")));
    }

    [Test]
    public void RefusesStatesTheKernelRefusesWithEinval()
    {
        RequireEspStates();
        var shortKey = State("192.0.2.1", 1) with { IntegKey = Mpsa.Ike.Crypto.SecretBytes.CopyFrom(new byte[20]) };
        var forward = State("192.0.2.1", 2, direction: XfrmDirection.Fwd);
        var mixed = State("192.0.2.1", 3, source: "2001:db8::9");

        foreach (var spec in new[] { shortKey, forward, mixed })
        {
            var r = Kernel.AddState(spec);
            Assert.That((r.Status, r.Errno), Is.EqualTo((KernelStatus.Failed, 22)), r.Message);
        }
        Assert.That(Kernel.ListStates(Owner), Is.Empty);
    }

    [Test]
    public void AllocatesSpiInRangeAndUpdateCompletesTheLarvalState()
    {
        var r = Kernel.AllocateSpi(IPAddress.Parse("198.51.100.2"), IPAddress.Parse("192.0.2.1"), OwnReqId, 0xc0000100, 0xc00001ff, out var spi);

        Assert.That(r, Is.EqualTo(KernelResult.Ok), r.Message);
        Assert.That(spi.Value, Is.InRange(0xc0000100u, 0xc00001ffu));
        var id = new XfrmStateId(IPAddress.Parse("192.0.2.1"), spi);
        Assert.That(Kernel.ListStates(Owner), Is.EqualTo(new[] { id }), "a larval state is owned by its reqid");

        RequireEspStates();
        Assert.That(Kernel.AddState(State("192.0.2.1", spi.Value)).Status, Is.EqualTo(KernelStatus.AlreadyExists), "the SPI is taken");
        var update = Kernel.UpdateState(State("192.0.2.1", spi.Value, source: "198.51.100.2"));
        Assert.That(update, Is.EqualTo(KernelResult.Ok), update.Message);
        Assert.That(Kernel.ListStates(Owner), Is.EqualTo(new[] { id }));
    }

    [Test]
    public void AllocatesDistinctSpisForIpv6()
    {
        // A wide range: the kernel tries as many random SPIs as the range holds, so a nearly full small range can fail.
        var dst = IPAddress.Parse("2001:db8::1");
        Assert.That(Kernel.AllocateSpi(null, dst, OwnReqId, 0x100, 0xfff, out var a).IsOk);
        Assert.That(Kernel.AllocateSpi(null, dst, OwnReqId + 1, 0x100, 0xfff, out var b).IsOk);

        Assert.That(a.Value, Is.Not.EqualTo(b.Value));
        Assert.That(new[] { a.Value, b.Value }, Is.All.InRange(0x100u, 0xfffu));
        Assert.That(Kernel.DeleteState(new XfrmStateId(dst, a)), Is.EqualTo(KernelResult.Ok), "a larval state can be deleted");
        Assert.That(Kernel.ListStates(Owner), Is.EqualTo(new[] { new XfrmStateId(dst, b) }));
    }

    [TestCase("10.1.0.0/16", "10.2.0.0/16", "tunnel", false)]
    [TestCase("2001:db8:1::/48", "2001:db8:2::/48", "tunnel", false)]
    [TestCase("192.0.2.1", "192.0.2.2", "transport", false)]
    [TestCase("2001:db8::1", "2001:db8::2", "transport", false)]
    [TestCase("10.1.0.0/16", "10.3.0.0/16", "tunnel", true)]
    public void AddsPolicyOnceThenReportsAlreadyExists(string source, string destination, string modeName, bool bypass)
    {
        var mode = Mode(modeName);
        var policy = Policy(source, destination, XfrmDirection.Out, mode: mode, bypass: bypass);

        Assert.That(Kernel.AddPolicy(policy), Is.EqualTo(KernelResult.Ok));

        var again = Kernel.AddPolicy(policy with { Priority = 5 });
        Assert.That(again.Status, Is.EqualTo(KernelStatus.AlreadyExists), "priority is not part of the key: " + again.Message);
        var owner = bypass ? KernelOwnership.Of(0) : Owner;
        Assert.That(Kernel.ListPolicies(owner), Is.EqualTo(new[] { policy.Id }));
    }

    [Test]
    public void KeysPoliciesBySelectorDirectionAndMark()
    {
        var policy = Policy("10.1.0.0/16", "10.2.0.0/16", XfrmDirection.Out);
        Assert.That(Kernel.AddPolicy(policy).IsOk);

        Assert.That(Kernel.AddPolicy(policy with { Direction = XfrmDirection.In }).IsOk);
        Assert.That(Kernel.AddPolicy(policy with { Direction = XfrmDirection.Fwd }).IsOk);
        Assert.That(Kernel.AddPolicy(policy with { Mark = new XfrmMark(0x10) }).IsOk);
        Assert.That(Kernel.AddPolicy(Policy("10.1.0.0/16", "10.2.0.0/24", XfrmDirection.Out)).IsOk);
        Assert.That(Kernel.AddPolicy(Policy("10.1.0.0/16", "10.2.0.0/16", XfrmDirection.Out, protocol: System.Net.Sockets.ProtocolType.Udp, destinationPort: 4500)).IsOk);

        Assert.That(Kernel.ListPolicies(Owner), Has.Count.EqualTo(6));
        Assert.That(Kernel.ListPolicies(Owner with { Mark = new XfrmMark(0x10) }), Is.EqualTo(new[] { (policy with { Mark = new XfrmMark(0x10) }).Id }));
    }

    [Test]
    public void UpdatePolicyAddsOrReplaces()
    {
        var policy = Policy("10.1.0.0/16", "10.2.0.0/16", XfrmDirection.In);

        Assert.That(Kernel.UpdatePolicy(policy), Is.EqualTo(KernelResult.Ok), "UPDPOLICY also creates");
        Assert.That(Kernel.UpdatePolicy(policy with { Priority = 7 }), Is.EqualTo(KernelResult.Ok));

        Assert.That(Kernel.ListPolicies(Owner), Is.EqualTo(new[] { policy.Id }));
    }

    [Test]
    public void DeletesPolicyThenReportsNotFound()
    {
        var marked = Policy("2001:db8:1::/48", "2001:db8:2::/48", XfrmDirection.Fwd, mark: new XfrmMark(0x10, 0xff));
        Assert.That(Kernel.AddPolicy(marked).IsOk);

        Assert.That(Kernel.DeletePolicy(marked.Id with { Mark = null }).Status, Is.EqualTo(KernelStatus.NotFound), "the mark is part of the key");
        Assert.That(Kernel.DeletePolicy(marked.Id), Is.EqualTo(KernelResult.Ok));
        Assert.That(Kernel.DeletePolicy(marked.Id).Status, Is.EqualTo(KernelStatus.NotFound));
        Assert.That(Kernel.ListPolicies(Owner), Is.Empty);
    }

    [Test]
    public void ListsOnlyPoliciesInTheOwnersReqIdRange()
    {
        Assert.That(Kernel.AddPolicy(Policy("10.1.0.0/16", "10.2.0.0/16", XfrmDirection.Out)).IsOk);
        Assert.That(Kernel.AddPolicy(Policy("10.1.0.0/16", "10.2.0.0/16", XfrmDirection.In, reqId: 7)).IsOk);
        Assert.That(Kernel.AddPolicy(Policy("10.1.0.0/16", "10.4.0.0/16", XfrmDirection.Out, bypass: true)).IsOk);

        Assert.That(Kernel.ListPolicies(Owner).Single().Direction, Is.EqualTo(XfrmDirection.Out));
        Assert.That(Kernel.ListPolicies(KernelOwnership.Of(7)).Single().Direction, Is.EqualTo(XfrmDirection.In));
    }

    [Test]
    public void RefusesPolicyWithMixedSelectorFamilies()
    {
        var r = Kernel.AddPolicy(Policy("10.1.0.0/16", "2001:db8::/32", XfrmDirection.Out));

        Assert.That((r.Status, r.Errno), Is.EqualTo((KernelStatus.Failed, 22)), r.Message);
    }

    [Test]
    public void AddsStatesEachWhateverBecameOfTheOthers()
    {
        RequireEspStates();
        var taken = State("192.0.2.1", 0xc0000201);
        Assert.That(Kernel.AddState(taken).IsOk);
        var first = State("192.0.2.1", 0xc0000202);
        var last = State("192.0.2.2", 0xc0000203);

        var results = Kernel.AddStates([first, taken with { EncrKey = first.EncrKey }, last]);

        Assert.That(results.Select(r => r.Status), Is.EqualTo(new[] { KernelStatus.Ok, KernelStatus.AlreadyExists, KernelStatus.Ok }),
            string.Join("; ", results.Select(r => r.Message)));
        Assert.That(Kernel.ListStates(Owner), Is.EquivalentTo(new[] { taken.Id, first.Id, last.Id }));
    }

    [Test]
    public void UpdatesPoliciesEachWhateverBecameOfTheOthers()
    {
        var first = Policy("10.1.0.0/16", "10.2.0.0/16", XfrmDirection.Out);
        var mixed = Policy("10.1.0.0/16", "2001:db8::/32", XfrmDirection.Out);
        var last = Policy("10.1.0.0/16", "10.2.0.0/16", XfrmDirection.In);

        var results = Kernel.UpdatePolicies([first, mixed, last, first with { Priority = 7 }]);

        Assert.That(results.Select(r => (r.Status, r.Errno)),
            Is.EqualTo(new[] { (KernelStatus.Ok, 0), (KernelStatus.Failed, 22), (KernelStatus.Ok, 0), (KernelStatus.Ok, 0) }),
            string.Join("; ", results.Select(r => r.Message)));
        Assert.That(Kernel.ListPolicies(Owner), Is.EquivalentTo(new[] { first.Id, last.Id }));
    }

    private static XfrmMode Mode(string name) => name == "tunnel" ? XfrmMode.Tunnel : XfrmMode.Transport;
}
