using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Bench;

/// <summary>One simulated CPE: its identity, its current IKE SA (an <see cref="IkeInitiator"/>) and when things happened to it.</summary>
internal sealed class SimulatedCpe(int index, string identity)
{
    public int Index { get; } = index;
    public string Identity { get; } = identity;
    public IkeInitiator? Ike { get; set; }

    /// <summary>Stopwatch timestamp of the current attempt's IKE_SA_INIT.</summary>
    public long StartedAt { get; set; }

    /// <summary>The attempt is over (up, or failed); counted once.</summary>
    public bool Done { get; set; }

    /// <summary>IKE_SA_INIT answers that did not move the SA on (COOKIE or INVALID_KE_PAYLOAD rounds).</summary>
    public int ExtraInitRounds { get; set; }

    /// <summary>The group SA SPI of the first MPSA_PUT of this IKE SA, and the newest one.</summary>
    public EspSpi? FirstSpi { get; set; }
    public EspSpi? LastSpi { get; set; }

    /// <summary>When an MPSA_PUT with an SPI other than <see cref="FirstSpi"/> arrived (a rekey), 0 if none yet.</summary>
    public long RekeyedAt { get; set; }

    /// <summary>IKE SAs this CPE set up so far (one per setup: more than the setups asked for means it
    /// reconnected).</summary>
    public int IkeSasEstablished { get; set; }

    /// <summary>Every group SA this CPE received, on any of its IKE SAs, in order of arrival: its SPI and the fingerprint
    /// of its KEYMAT (as `status` prints it); kept only where <see cref="LoadPlan.KeepGroupSas"/> asks.</summary>
    public List<(EspSpi Spi, string Fingerprint)> GroupSas { get; } = [];

    /// <summary>The highest message ID of a request the controller sent on this IKE SA; a request at or below it is a retransmission.</summary>
    public uint? LastRequestId { get; set; }
}
