using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

/// <summary>
/// One rekey's push to every connected member: who has still to be sent the new SA (in chunks, so a fleet's requests and
/// acknowledgements do not arrive as one burst that overflows socket buffers), who has still to acknowledge, since when.
/// </summary>
internal sealed class RekeyFanOut(string group, EspSpi spi, MonoTime startedAt, MonoTime rollover1At, IEnumerable<(IkeSpi SpiR, string Name)> members)
{
    /// <summary>Members pushed per turn of the loop, and the pause between turns (10,000 members: about 100 ms of pauses).</summary>
    public const int ChunkSize = 500;
    public static readonly TimeSpan ChunkPause = TimeSpan.FromMilliseconds(5);

    /// <summary>Members not yet sent the new SA, in order.</summary>
    public Queue<IkeSpi> ToPush { get; } = new(members.Select(m => m.SpiR));

    /// <summary>When the next chunk goes out; null when every member has been sent it.</summary>
    public MonoTime? NextPushAt { get; set; }

    public string Group { get; } = group;
    public EspSpi Spi { get; } = spi;
    public MonoTime StartedAt { get; } = startedAt;
    public MonoTime Rollover1At { get; } = rollover1At;
    public Dictionary<IkeSpi, string> Waiting { get; } = members.ToDictionary(m => m.SpiR, m => m.Name);
    public int Total { get; } = members.Count();
    public bool LateReported { get; set; }
}
