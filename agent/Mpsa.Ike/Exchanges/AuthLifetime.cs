using System.Buffers.Binary;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>N(AUTH_LIFETIME) (RFC 4478): the responder tells the initiator to reauthenticate within a number of seconds.</summary>
public static class AuthLifetime
{
    public static NotifyPayload Notify(TimeSpan lifetime)
    {
        var data = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(data, (uint)Math.Clamp(Math.Ceiling(lifetime.TotalSeconds), 1, uint.MaxValue));
        return new NotifyPayload(NotifyType.AUTH_LIFETIME, data);
    }

    /// <summary>The lifetime a message asks for; null when it carries none (or a malformed one: 4 octets, not 0).</summary>
    public static TimeSpan? Of(IkeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.FindNotify(NotifyType.AUTH_LIFETIME) is { Data.Length: 4 } n
            && BinaryPrimitives.ReadUInt32BigEndian(n.Data) is var seconds and > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;
    }
}
