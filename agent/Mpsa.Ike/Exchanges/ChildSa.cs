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
        LocalSelectors = localSelectors;
        RemoteSelectors = remoteSelectors;
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

    public void Dispose()
    {
        Inbound.Dispose();
        Outbound.Dispose();
    }

    public override string ToString() =>
        $"CHILD_SA in={InboundSpi:x8} out={OutboundSpi:x8} {Suite} {(TransportMode ? "transport" : "tunnel")}{(UdpEncapsulation ? " udp-encap" : "")}";
}
