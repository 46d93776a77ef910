using Mpsa.Ike.Crypto;

namespace Mpsa.Tests.Crypto;

/// <summary>Hands out exactly the given bytes, in order, then fails: replays private keys and IVs from a known-answer test.</summary>
internal sealed class ReplayRandom(params byte[][] chunks) : IRandom
{
    private readonly Queue<byte> _bytes = new(chunks.SelectMany(c => c));

    public int Remaining => _bytes.Count;

    public void Fill(Span<byte> destination)
    {
        if (destination.Length > _bytes.Count)
        {
            throw new InvalidOperationException($"ReplayRandom asked for {destination.Length} bytes, has {_bytes.Count}.");
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = _bytes.Dequeue();
        }
    }
}

/// <summary>Deterministic bytes from a seed, for reproducible property tests.</summary>
internal sealed class SeededRandom(int seed) : IRandom
{
    private readonly Random _random = new(seed);

    public void Fill(Span<byte> destination) => _random.NextBytes(destination);
}
