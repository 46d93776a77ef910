using System.Net;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent.Supervisor;

/// <summary>
/// One make-before-break reauthentication (RFC 7296 §2.8.3) beside the connection's IKE SA: first the fresh IKE SA
/// being made, then, once it replaced the old one, the old one being deleted. Datagrams are told apart by our SPI.
/// </summary>
internal sealed class Reauthentication(IkeInitiator fresh) : IDisposable
{
    private IkeInitiator? _retiring;

    /// <summary>The IKE SA being made; null once it replaced the old one.</summary>
    public IkeInitiator? Fresh { get; private set; } = fresh;

    /// <summary>The replaced CHILD_SA's outbound SPI (its states go when the old IKE SA is gone).</summary>
    public uint? RetiredChildOutboundSpi { get; private set; }

    private IkeInitiator Current => Fresh ?? _retiring!;

    public MonoTime? NextDeadline => Current.NextDeadline;

    public Step Start(MonoTime now) => Fresh!.Start(now);

    /// <summary>Whether the datagram belongs to this reauthentication's IKE SA (our SPI in either header field).</summary>
    public bool Claims(ReadOnlySpan<byte> datagram)
    {
        var ours = Current.SpiI;
        return IkeHeader.TryPeek(datagram, out var h) && ours != default && (h.SpiI == ours || h.SpiR == ours);
    }

    public Step Receive(ReadOnlySpan<byte> datagram, IPEndPoint from, MonoTime now) => Current.Receive(datagram, from, now);

    public Step OnTimeout(MonoTime now) => Current.NextDeadline is { } at && now >= at ? Current.OnTimeout(now) : Step.None;

    /// <summary>The fresh SA took over: <paramref name="old"/> is deleted now (HDR, SK {D}).</summary>
    public Step Retire(IkeInitiator old, MonoTime now)
    {
        ArgumentNullException.ThrowIfNull(old);
        Fresh = null;
        _retiring = old;
        RetiredChildOutboundSpi = old.ChildSa?.OutboundSpi;
        return old.Close(now);
    }

    public void Dispose()
    {
        Fresh?.Dispose();
        _retiring?.Dispose();
    }
}
