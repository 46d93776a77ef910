using System.Collections;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

internal static partial class ControllerLog
{
    private static readonly EventId MemberConnectedEvent = new(200, nameof(MemberConnected));

    /// <summary>
    /// EventId 200, one line per member that connects, written by hand: the generator's path for five values
    /// (LoggerMessage.Define) boxes them and formats through string.Format, a few percent of the controller's CPU in a
    /// connect storm. The same text and the same named values (the JSON format lists them).
    /// </summary>
    public static void MemberConnected(this ILogger logger, string member, IPEndPoint address, IkeSpi spiI, IkeSpi spiR, IkeSuite suite)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Log(LogLevel.Information, MemberConnectedEvent, new MemberConnectedLine(member, address, spiI, spiR, suite), null,
                static (line, _) => line.ToString());
        }
    }
}

/// <summary>The values of <see cref="ControllerLog.MemberConnected"/>, formatted into its line only when a formatter asks.</summary>
internal readonly struct MemberConnectedLine(string member, IPEndPoint address, IkeSpi spiI, IkeSpi spiR, IkeSuite suite)
    : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const string Template = "member {Member} connected from {Address}, IKE SA {SpiI}/{SpiR} {Suite}";

    public int Count => 6;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Member", member),
        1 => new("Address", address),
        2 => new("SpiI", spiI),
        3 => new("SpiR", spiR),
        4 => new("Suite", suite),
        5 => new("{OriginalFormat}", Template),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>As <see cref="IPEndPoint.ToString"/> and <see cref="IkeSpi.ToString"/> print them, without their strings.</summary>
    public override string ToString()
    {
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;   // IPv6 in brackets, as IPEndPoint prints it
        return string.Create(CultureInfo.InvariantCulture, stackalloc char[256],
            $"member {member} connected from {(v6 ? "[" : "")}{address.Address}{(v6 ? "]" : "")}:{address.Port}, IKE SA {spiI.Value:x16}/{spiR.Value:x16} {suite}");
    }
}
