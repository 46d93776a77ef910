namespace Mpsa.Ike.Wire;

/// <summary>The ways bytes from the wire can be wrong.</summary>
public enum IkeParseError
{
    Truncated,
    LengthBelowHeader,
    LengthBeyondContainer,
    TrailingBytes,
    CountMismatch,
    BadValue,
    UnsupportedCriticalPayload,
    UnsupportedVersion,
    InconsistentSpi,
    TooManyPayloads,
    MissingPayload,
}
