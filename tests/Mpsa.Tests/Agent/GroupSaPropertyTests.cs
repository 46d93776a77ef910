using System.Net;
using Mpsa.Agent.GroupSa;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Validation;
using Mpsa.Ike.Wire;
using Mpsa.Netlink.Kernel;
using Mpsa.Tests.Support;

namespace Mpsa.Tests.Agent;

/// <summary>
/// A stateful property test of the group-SA manager over the real kernel data plane: random sequences of valid and
/// invalid MPSA_PUT messages, clock steps and jumps (a driver loop that wakes late), kernel refusals and agent
/// restarts. After every step the invariants hold:
/// <list type="number">
/// <item>no state is in the kernel past its SA's LIFE, and no state's hard lifetime reaches past it;</item>
/// <item>never an outbound state without the inbound state of its SA;</item>
/// <item>at most <see cref="MpsaPolicy.MaxGroupSas"/> SAs, and at most one SA sending;</item>
/// <item>the answer to each message is what the kernel then holds: accepted, every SA of it is in; refused,
/// the kernel is exactly as before;</item>
/// <item>the manager's view equals the kernel (same SPIs; outbound states to every peer for the SA that sends).</item>
/// </list>
/// A failure names its seed; <c>MPSA_PROPERTY_SEED=N dotnet test --filter "FullyQualifiedName~GroupSaPropertyTests"</c>
/// replays that sequence alone and prints its steps.
/// </summary>
public class GroupSaPropertyTests
{
    private const int Sequences = 3000;
    private const int StepsPerSequence = 40;
    private static readonly IPAddress Local = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress[] Peers = [IPAddress.Parse("198.51.100.2"), IPAddress.Parse("198.51.100.3")];

    [Test]
    public void KeepsTheInvariantsOverThousandsOfRandomSequences()
    {
        if (Environment.GetEnvironmentVariable("MPSA_PROPERTY_SEED") is { } replay)
        {
            Run(int.Parse(replay, System.Globalization.CultureInfo.InvariantCulture), trace: true);
            return;
        }
        int steps = 0;
        for (int seed = 1; seed <= Sequences; seed++)
        {
            steps += Run(seed);
        }
        TestContext.Out.WriteLine($"{Sequences} sequences (seeds 1..{Sequences}), {steps} steps, invariants held after each");
    }

    /// <summary>The invariants must catch a broken manager: a data plane that forgets to remove inbound states fails them.</summary>
    [Test]
    public void CatchesADataPlaneThatLeavesStatesBehind()
    {
        var failed = Enumerable.Range(1, 50).Count(seed =>
        {
            // the failures this provokes must not count against this test
            using var isolated = new NUnit.Framework.Internal.TestExecutionContext.IsolatedContext();
            try
            {
                Run(seed, leakInbound: true);
                return false;
            }
            catch (AssertionException)
            {
                return true;
            }
        });
        Assert.That(failed, Is.GreaterThan(0), "the invariants detect states left past their LIFE");
    }

    private static int Run(int seed, bool trace = false, bool leakInbound = false)
    {
        var random = new Random(seed);
        var now = new MonoTime(0);
        var log = new List<string>();
        // leakInbound: deletions of inbound states are answered but not done, the bug the invariants must catch
        using var kernel = new FaultyKernel { NowMs = () => now.Milliseconds, IgnoreDelete = id => leakInbound && id.Destination.Equals(Local) };
        double refuseRate = 0;
        kernel.Refuse = _ => random.NextDouble() < refuseRate;
        var lifeEnds = new Dictionary<EspSpi, MonoTime>();   // when every SA accepted must be gone, as the model knows it
        var hardEnds = new Dictionary<EspSpi, MonoTime>();   // its LIFE as first received: the kernel's hard lifetime
        var plane = NewPlane(kernel, () => now, leakInbound);
        var manager = new GroupSaManager(plane);
        try
        {
            for (int step = 0; step < StepsPerSequence; step++)
            {
                string what;
                switch (random.Next(10))
                {
                    case 0 or 1 or 2:
                        what = Message($"seed {seed} step {step}", random, manager, kernel, lifeEnds, hardEnds, now, valid: true, twoSas: false);
                        break;
                    case 3:
                        what = Message($"seed {seed} step {step}", random, manager, kernel, lifeEnds, hardEnds, now, valid: true, twoSas: true);
                        break;
                    case 4:
                        what = Message($"seed {seed} step {step}", random, manager, kernel, lifeEnds, hardEnds, now, valid: false, twoSas: random.Next(2) == 0);
                        break;
                    case 5 or 6:
                        var to = now + TimeSpan.FromMilliseconds(random.Next(0, 40_000));
                        what = $"advance to {to} waking at each deadline";
                        while (manager.NextDeadline is { } d && d <= to)
                        {
                            now = d > now ? d : now;
                            manager.OnTimeout(now);
                            Check(manager, kernel, lifeEnds, hardEnds, now, $"seed {seed} step {step} ({what}) at {now}", log);
                        }
                        now = to;
                        manager.OnTimeout(now);
                        break;
                    case 7:
                        // the loop wakes late (a stopped process, a slow system): one timeout after a long jump
                        now += TimeSpan.FromMilliseconds(random.Next(0, 2_000_000));
                        what = $"late wake at {now}";
                        manager.OnTimeout(now);
                        break;
                    case 8:
                        refuseRate = random.Next(3) switch { 0 => 0, 1 => 0.2, _ => 0.6 };
                        what = $"kernel refuses {refuseRate:P0} of additions";
                        break;
                    default:
                        // a restart: keys forgotten, states left, then removed as the agent does when it starts
                        manager.Dispose();
                        plane = NewPlane(kernel, () => now, leakInbound);
                        plane.RemoveLeftovers();
                        manager = new GroupSaManager(plane);
                        lifeEnds.Clear();
                        hardEnds.Clear();
                        what = "restart";
                        Assert.That(kernel.Inner.States, Is.Empty, $"seed {seed} step {step}: leftovers removed at start");
                        break;
                }
                log.Add($"{step}: {what}");
                Check(manager, kernel, lifeEnds, hardEnds, now, $"seed {seed} step {step} ({what})", log);
            }
        }
        finally
        {
            manager.RemoveAll();
            manager.Dispose();
            if (trace)
            {
                TestContext.Out.WriteLine(string.Join("\n", log));
            }
        }
        return StepsPerSequence;
    }

    private static KernelDataPlane NewPlane(FaultyKernel kernel, Func<MonoTime> clock, bool leakInbound) =>
        new(kernel, Local, Peers, new KernelDataPlaneOptions { Clock = clock });

    /// <summary>Sends one message and checks invariant 4 on its answer.</summary>
    private static string Message(string where, Random random, GroupSaManager manager, FaultyKernel kernel, Dictionary<EspSpi, MonoTime> lifeEnds,
        Dictionary<EspSpi, MonoTime> hardEnds, MonoTime now, bool valid, bool twoSas)
    {
        manager.OnTimeout(now);   // due steps first, so "before" is what the message meets
        var before = Contents(kernel);
        var puts = new List<MpsaPut> { Put(random, valid) };
        if (twoSas)
        {
            puts.Add(Put(random, valid: true));
        }
        try
        {
            var outcome = manager.Receive(puts, peerSentVendorId: random.Next(20) != 0, now);
            var after = Contents(kernel);
            string spis = string.Join("+", puts.Select(p => p.Spi));
            if (outcome.Refusal is { } refusal)
            {
                Assert.That(after, Is.EqualTo(before), $"{where}: refused ({refusal}): the kernel must be as it was");
                Assert.That(puts.Select(p => p.Spi), Does.Contain(refusal.Spi), $"{where}: the refusal names an SA of the message");
                return $"message {spis} refused: {refusal.Notify}";
            }
            foreach (var put in puts)
            {
                // accepted: in the kernel, unless it is an SA held before whose successor's rollover ended already
                // (the successor started sending only now, so the old inbound went at once)
                bool replaced = !outcome.Installed.Contains(put.Spi) && manager.Sas.Count > 0 && manager.Sas[^1].Spi != put.Spi
                    && manager.Sas[^1].Rollover2At <= now;
                Assert.That(after.Contains($"in {put.Spi}") || replaced, Is.True,
                    $"{where}: accepted {put.Spi}: its inbound must be in the kernel; {string.Join("; ", puts)}; {outcome}");
                var end = now + TimeSpan.FromSeconds(put.LifetimeSeconds);
                if (outcome.Installed.Contains(put.Spi))
                {
                    (lifeEnds[put.Spi], hardEnds[put.Spi]) = (end, end);
                }
                else
                {
                    // the same SA again: its LIFE may move earlier, never later
                    lifeEnds[put.Spi] = lifeEnds[put.Spi] < end ? lifeEnds[put.Spi] : end;
                }
            }
            return $"message {spis} accepted";
        }
        finally
        {
            foreach (var p in puts)
            {
                p.Dispose();
            }
        }
    }

    /// <summary>Invariants 1, 2, 3 and 5.</summary>
    private static void Check(GroupSaManager manager, FaultyKernel kernel, Dictionary<EspSpi, MonoTime> lifeEnds,
        Dictionary<EspSpi, MonoTime> hardEnds, MonoTime now, string where, List<string> log)
    {
        var states = kernel.Inner.States;
        string context = $"{where}\n{string.Join("\n", log.TakeLast(12))}\nkernel: {string.Join(", ", Contents(kernel))}";
        foreach (var state in states)
        {
            Assert.That(lifeEnds.TryGetValue(state.Spi, out var lifeEnd), Is.True, $"{context}\n{state.Spi} was never accepted");
            Assert.That(now, Is.LessThan(lifeEnd), $"{context}\n{state.Spi} is past its LIFE");
            Assert.That(kernel.HardEndMs(state), Is.LessThanOrEqualTo(hardEnds[state.Spi].Milliseconds + 1000),
                $"{context}\n{state.Spi}: the kernel's hard lifetime reaches past LIFE");
            if (state.Source is not null)
            {
                Assert.That(states.Any(s => s.Source is null && s.Spi == state.Spi), Is.True, $"{context}\noutbound {state.Spi} without its inbound");
            }
        }
        var spis = states.Select(s => s.Spi).Distinct().ToList();
        Assert.That(spis, Has.Count.LessThanOrEqualTo(MpsaPolicy.MaxGroupSas), context);
        Assert.That(manager.Count, Is.LessThanOrEqualTo(MpsaPolicy.MaxGroupSas), context);
        Assert.That(states.Where(s => s.Source is not null).Select(s => s.Spi).Distinct().Count(), Is.LessThanOrEqualTo(1),
            $"{context}\nmore than one SA sending");
        Assert.That(manager.Sas.Select(s => s.Spi.Value).Order(), Is.EqualTo(spis.Select(s => s.Value).Order()), $"{context}\nmanager and kernel disagree");
        foreach (var sa in manager.Sas.Where(s => s.OutboundInstalled))
        {
            Assert.That(states.Count(s => s.Source is not null && s.Spi == sa.Spi), Is.EqualTo(Peers.Length), $"{context}\n{sa.Spi} sends to every peer");
        }
    }

    private static string[] Contents(FaultyKernel kernel) =>
        [.. kernel.Inner.States.Select(s => s.Source is null ? $"in {s.Spi}" : $"out {s.Destination} {s.Spi}").Order(StringComparer.Ordinal)];

    /// <summary>A random MPSA_PUT; SPIs come from a small pool so that repeats (refresh, same SPI other keys) happen.</summary>
    private static MpsaPut Put(Random random, bool valid)
    {
        uint spi = 0x1000u + (uint)random.Next(6);
        byte seed = (byte)spi;   // the same SPI gets the same keys...
        uint life = (uint)random.Next(3, 400);
        uint roll2 = (uint)random.Next(1, (int)life);
        uint roll1 = (uint)random.Next(0, (int)roll2);
        var (encr, bits, integ) = (EncrId.ENCR_AES_CBC, (int?)256, IntegId.AUTH_HMAC_SHA2_256_128);
        bool esn = false;
        if (!valid)
        {
            switch (random.Next(7))
            {
                case 0: spi = (uint)random.Next(256); break;
                case 1: roll1 = roll2 + (uint)random.Next(0, 5); break;
                case 2: roll2 = life + (uint)random.Next(0, 5); break;
                case 3: life = 0; break;
                case 4: (encr, bits, integ) = (EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE); break;
                case 5: seed ^= 0x55; break;   // ...unless the controller is broken
                default: esn = true; break;
            }
        }
        return new MpsaPut(new EspSpi(spi), encr, bits, integ, PrfId.PRF_HMAC_SHA2_256, GroupSaPuts.Nonce(seed),
            SecretBytes.CopyFrom(GroupSaPuts.SkD(seed)), life, roll1, roll2) { OtherTransforms = esn ? [TransformType.ESN] : [] };
    }
}
