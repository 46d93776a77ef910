using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

/// <summary>One rekey's push to every connected member: who has still to acknowledge, and since when.</summary>
internal sealed class RekeyFanOut(string group, EspSpi spi, MonoTime startedAt, MonoTime rollover1At, IEnumerable<(IkeSpi SpiR, string Name)> members)
{
    public string Group { get; } = group;
    public EspSpi Spi { get; } = spi;
    public MonoTime StartedAt { get; } = startedAt;
    public MonoTime Rollover1At { get; } = rollover1At;
    public Dictionary<IkeSpi, string> Waiting { get; } = members.ToDictionary(m => m.SpiR, m => m.Name);
    public int Total { get; } = members.Count();
    public bool LateReported { get; set; }
}
