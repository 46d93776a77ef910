using System.Diagnostics.CodeAnalysis;

namespace Mpsa.Ike.Wire;

/// <summary>The one exception the codecs throw for bad input: what is wrong, in which structure, at which offset.</summary>
public sealed class IkeParseException : Exception
{
    public IkeParseException(IkeParseError error, string structure, int offset, byte criticalPayloadType = 0)
        : base($"{structure}: {error} at offset {offset}")
    {
        Error = error;
        Structure = structure;
        Offset = offset;
        CriticalPayloadType = criticalPayloadType;
    }

    public IkeParseError Error { get; }
    public string Structure { get; }
    public int Offset { get; }

    /// <summary>For <see cref="IkeParseError.UnsupportedCriticalPayload"/>: the payload type to name in the Notify (RFC 7296 §2.5).</summary>
    public byte CriticalPayloadType { get; }

    /// <summary>The Notify the RFC says to answer with, where one applies.</summary>
    public NotifyType Notify => Error switch
    {
        IkeParseError.UnsupportedCriticalPayload => NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD,
        IkeParseError.UnsupportedVersion => NotifyType.INVALID_MAJOR_VERSION,
        _ => NotifyType.INVALID_SYNTAX,
    };
}

internal static class IkeParse
{
    [DoesNotReturn]
    public static void Fail(IkeParseError error, string structure, int offset) =>
        throw new IkeParseException(error, structure, offset);

    [DoesNotReturn]
    public static T Fail<T>(IkeParseError error, string structure, int offset) =>
        throw new IkeParseException(error, structure, offset);
}
