using System.Buffers.Binary;
using Mpsa.Ike.Crypto;

namespace Mpsa.Agent.Supervisor;

/// <summary>Exponential backoff with jitter: attempt n waits min(max, min·2ⁿ) scaled by a random factor in [0.5, 1).
/// Thousands of routers that lost the same controller do not come back in lockstep.</summary>
internal sealed class Backoff(TimeSpan min, TimeSpan max, IRandom random)
{
    public int Failures { get; private set; }

    public TimeSpan Next()
    {
        double ms = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(Failures, 30)));
        Failures++;
        Span<byte> b = stackalloc byte[4];
        random.Fill(b);
        double jitter = 0.5 + BinaryPrimitives.ReadUInt32BigEndian(b) / (2.0 * uint.MaxValue);
        return TimeSpan.FromMilliseconds(ms * jitter);
    }

    public void Reset() => Failures = 0;
}
