using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Exchanges;

/// <summary>Mutated and random datagrams fed to live state machines: dropped with an event, never an exception, never a state change.</summary>
public class HostileInputTests
{
    [TestCase(21)]
    [TestCase(22)]
    [TestCase(23)]
    public void SurvivesMutatedDatagramsInEveryPhase(int seed)
    {
        var random = new Random(seed);
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        using var put = MpsaPutSamples.Make(0xc0000701);
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now));
        pair.Deliver();
        pair.Single<MpsaReceived>(pair.InitiatorEvents).Puts[0].Dispose();
        var recorded = pair.Wire.Select(w => w.Datagram).ToList();

        for (int i = 0; i < 4000; i++)
        {
            byte[] m = (byte[])recorded[random.Next(recorded.Count)].Clone();
            Mutate(m, random);
            Assert.DoesNotThrow(() => pair.Initiator.Receive(m, Pair.Controller, pair.Now));
            Assert.DoesNotThrow(() => pair.Responder.Receive(m, Pair.Cpe, pair.Now));
        }
        Assert.That(pair.Initiator.Phase, Is.EqualTo(InitiatorPhase.Established));
        Assert.That(pair.Responder.EstablishedCount, Is.EqualTo(1));

        // Still working: a liveness check goes through.
        pair.FromInitiator(pair.Initiator.CheckLiveness(pair.Now));
        pair.Deliver();
        Assert.That(pair.InitiatorEvents.OfType<LivenessConfirmed>().Count(), Is.EqualTo(1));
    }

    [Test]
    public void SurvivesRandomBytesAndTruncations()
    {
        var random = new Random(5);
        using var pair = new Pair(Suites.Default);
        pair.FromInitiator(pair.Initiator.Start(pair.Now));
        byte[] init = pair.Wire[0].Datagram;
        for (int n = 0; n <= init.Length; n++)
        {
            Assert.DoesNotThrow(() => pair.Responder.Receive(init.AsSpan(0, n), Pair.Cpe, pair.Now));
        }
        for (int i = 0; i < 5000; i++)
        {
            var m = new byte[random.Next(0, 300)];
            random.NextBytes(m);
            Assert.DoesNotThrow(() => pair.Responder.Receive(m, Pair.Cpe, pair.Now));
            Assert.DoesNotThrow(() => pair.Initiator.Receive(m, Pair.Controller, pair.Now));
        }
    }

    private static void Mutate(byte[] m, Random random)
    {
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits; e++)
        {
            int at = random.Next(m.Length);
            m[at] = random.Next(3) switch
            {
                0 => (byte)(m[at] ^ (1 << random.Next(8))),
                1 => (byte)random.Next(256),
                _ => 0,
            };
        }
        // Half of the time keep the header honest so the mutation reaches the payloads or the SK body.
        if (random.Next(2) == 0 && m.Length >= IkeHeader.Size)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(24), (uint)m.Length);
        }
    }
}
