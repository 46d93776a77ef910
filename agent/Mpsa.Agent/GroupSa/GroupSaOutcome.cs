using Mpsa.Ike.Wire;

namespace Mpsa.Agent.GroupSa;

/// <summary>The result of one MPSA_PUT: accepted, refreshed or rejected (with a reason), plus an optional warning to log.</summary>
internal sealed record GroupSaOutcome(GroupSaOutcomeKind Kind, EspSpi Spi, string? Reason = null, string? Warning = null)
{
    public static GroupSaOutcome Accepted(EspSpi spi, string? warning) => new(GroupSaOutcomeKind.Accepted, spi, null, warning);

    public static GroupSaOutcome Refreshed(EspSpi spi, string? warning) => new(GroupSaOutcomeKind.Refreshed, spi, null, warning);

    public static GroupSaOutcome Rejected(EspSpi spi, string reason) => new(GroupSaOutcomeKind.Rejected, spi, reason);

    public override string ToString() =>
        $"spi {Spi} {Kind.ToString().ToLowerInvariant()}" + (Reason is null ? string.Empty : ": " + Reason)
        + (Warning is null ? string.Empty : " (warning: " + Warning + ")");
}
