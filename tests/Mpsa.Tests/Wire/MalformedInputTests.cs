using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Wire;

/// <summary>Truncations, bit flips, patched lengths and random bytes: only <see cref="IkeParseException"/> may escape.</summary>
public class MalformedInputTests
{
    private static IEnumerable<byte[]> Valid()
    {
        yield return SampleMessages.IkeSaInitRequest();
        yield return SampleMessages.EveryPayloadCleartext();
    }

    [Test]
    public void RejectsEveryTruncation()
    {
        foreach (byte[] valid in Valid())
        {
            for (int n = 0; n < valid.Length; n++)
            {
                byte[] cut = valid[..n];
                // Keep the header's Length honest so the cut is found inside the payloads, not only by the header check.
                if (n >= 28)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(cut.AsSpan(24), (uint)n);
                }
                Assert.Throws<IkeParseException>(() => IkeMessage.Decode(cut), $"cut at {n}");
            }
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void NeverThrowsOtherThanParseErrorOnMutations(int seed)
    {
        var random = new Random(seed);
        foreach (byte[] valid in Valid())
        {
            for (int i = 0; i < 3000; i++)
            {
                byte[] m = (byte[])valid.Clone();
                int edits = random.Next(1, 4);
                for (int e = 0; e < edits; e++)
                {
                    int at = random.Next(m.Length);
                    switch (random.Next(3))
                    {
                        case 0: m[at] ^= (byte)(1 << random.Next(8)); break;
                        case 1: m[at] = (byte)random.Next(256); break;
                        default: m[at] = random.Next(2) == 0 ? (byte)0 : (byte)0xff; break;
                    }
                }
                DecodeExpectingOnlyParseErrors(m);
            }
        }
    }

    [TestCase(11)]
    [TestCase(12)]
    public void NeverThrowsOtherThanParseErrorOnRandomBytes(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 20000; i++)
        {
            var m = new byte[random.Next(0, 200)];
            random.NextBytes(m);
            if (m.Length >= 28 && random.Next(2) == 0)
            {
                m[17] = 0x20;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(24), (uint)m.Length);
                m[16] = (byte)random.Next(33, 49);
            }
            DecodeExpectingOnlyParseErrors(m);
        }
    }

    private static void DecodeExpectingOnlyParseErrors(byte[] m)
    {
        try
        {
            var message = IkeMessage.Decode(m);
            foreach (var n in message.All<NotifyPayload>().Where(n => n.NotifyType == NotifyType.MPSA_PUT))
            {
                try
                {
                    MpsaPut.Decode(n).Dispose();
                }
                catch (IkeParseException)
                {
                }
            }
            // Whatever decoded must encode again without complaint.
            IkeMessage.Encode(message.Header, message.Payloads);
        }
        catch (IkeParseException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"{e.GetType().Name}: {e.Message} on {Convert.ToHexString(m)}");
        }
    }
}
