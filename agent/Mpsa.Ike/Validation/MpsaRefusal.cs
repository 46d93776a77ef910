using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Validation;

/// <summary>
/// Why a CPE did not install an MPSA_PUT, as the controller is told (docs/PROTOCOL.md "Refusals"):
/// <c>HDR, SK {N(Notify, ESP, Spi)}</c>. INVALID_SYNTAX and NO_PROPOSAL_CHOSEN are final for that SA;
/// TEMPORARY_FAILURE (kernel refused, no room) may succeed on a retry.
/// </summary>
public sealed record MpsaRefusal(EspSpi Spi, NotifyType Notify, string Reason)
{
    public bool IsTransient => Notify == NotifyType.TEMPORARY_FAILURE;

    public static MpsaRefusal Syntax(EspSpi spi, string reason) => new(spi, NotifyType.INVALID_SYNTAX, reason);

    public static MpsaRefusal Unacceptable(EspSpi spi, string reason) => new(spi, NotifyType.NO_PROPOSAL_CHOSEN, reason);

    public static MpsaRefusal Temporary(EspSpi spi, string reason) => new(spi, NotifyType.TEMPORARY_FAILURE, reason);

    /// <summary>The error Notify naming the refused SA by its SPI.</summary>
    public NotifyPayload ToNotify() => new(ProtocolId.ESP, Notify, Spi.ToBytes(), []);

    public override string ToString() => $"spi {Spi} refused ({Notify}): {Reason}";
}
