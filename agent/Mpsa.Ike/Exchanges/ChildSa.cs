using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Exchanges;

/// <summary>A CHILD_SA negotiated in IKE_AUTH: our inbound SPI, the peer's (our outbound), keys per direction, selectors.</summary>
public sealed class ChildSa : IDisposable
{
    public ChildSa(EspSuite suite, uint inboundSpi, uint outboundSpi, EspKeys inbound, EspKeys outbound,
        IReadOnlyList<TrafficSelector> localSelectors, IReadOnlyList<TrafficSelector> remoteSelectors, bool transportMode, bool udpEncapsulation = false)
    {
        Suite = suite;
        InboundSpi = inboundSpi;
        OutboundSpi = outboundSpi;
        Inbound = inbound;
        Outbound = outbound;
        LocalSelectors = Kept(localSelectors);
        RemoteSelectors = Kept(remoteSelectors);
        TransportMode = transportMode;
        UdpEncapsulation = udpEncapsulation;
    }

    public EspSuite Suite { get; }
    public uint InboundSpi { get; }
    public uint OutboundSpi { get; }
    public EspKeys Inbound { get; }
    public EspKeys Outbound { get; }
    public IReadOnlyList<TrafficSelector> LocalSelectors { get; }
    public IReadOnlyList<TrafficSelector> RemoteSelectors { get; }
    public bool TransportMode { get; }

    /// <summary>A NAT was detected: ESP travels in UDP on port 4500 (RFC 3948).</summary>
    public bool UdpEncapsulation { get; }

    /// <summary>The selectors as one array: a CHILD_SA lives long, and a list is a second object for the GC to copy.
    /// (A loop: a collection expression's spread brings 4 kB of generic code into the agent.)</summary>
    private static TrafficSelector[] Kept(IReadOnlyList<TrafficSelector> selectors)
    {
        if (selectors is TrafficSelector[] array)
        {
            return array;
        }
        var kept = new TrafficSelector[selectors.Count];
        for (int i = 0; i < kept.Length; i++)
        {
            kept[i] = selectors[i];
        }
        return kept;
    }

    public void Dispose()
    {
        Inbound.Dispose();
        Outbound.Dispose();
    }

    public override string ToString() =>
        $"CHILD_SA in={InboundSpi:x8} out={OutboundSpi:x8} {Suite} {(TransportMode ? "transport" : "tunnel")}{(UdpEncapsulation ? " udp-encap" : "")}";
}
