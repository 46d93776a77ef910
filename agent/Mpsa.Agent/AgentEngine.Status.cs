using Mpsa.Agent.Config;
using Mpsa.Agent.Supervisor;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Agent;

/// <summary>What `mpsa-agent status` shows, read from the engine's state.</summary>
internal sealed partial class AgentEngine
{
    public AgentStatus Status(MonoTime now)
    {
        var up = _connection.Established;
        var child = _connection.ChildSa;
        string state = _connection.State switch
        {
            ConnectionState.Connected => "connected",
            ConnectionState.Connecting => "connecting",
            ConnectionState.Waiting => "waiting",
            _ => "closed",
        };
        long? retry = _connection.ReconnectIn(now) is { } wait ? (long)Math.Ceiling(Math.Max(0, wait.TotalSeconds)) : null;
        var rekeys = _connection.Rekeys;
        return new AgentStatus(
            new ControllerStatus(state, _connection.Controller.ToString(), up?.PeerIdentity ?? _settings.ControllerIdentity, retry)
            {
                Addresses = ControllerAddresses.Texts(_connection.Addresses),
            },
            up is null ? null : new IkeSaStatus(up.SpiI.ToString(), up.SpiR.ToString(), SuiteNames.Name(up.Suite), up.KeyFingerprint, up.PeerSupportsMpsa)
            {
                EstablishedSecondsAgo = SecondsSince(rekeys?.IkeEstablishedAt, now),
                RekeyInSeconds = SecondsUntil(rekeys?.IkeRekeyAt, now),
                KeyExchange = SuiteNames.KeyExchanges(up.Suite),
                Childless = up.Childless,
            },
            child is null || up is null ? null : new ChildSaStatus(child.InboundSpi.ToString("x8", null), child.OutboundSpi.ToString("x8", null),
                SuiteNames.Name(child.Suite), child.TransportMode ? "transport" : "tunnel", _childSas.Count > 0)
            {
                EstablishedSecondsAgo = SecondsSince(rekeys?.ChildEstablishedAt, now),
                RekeyInSeconds = SecondsUntil(rekeys?.ChildRekeyAt, now),
                UdpEncapsulation = child.UdpEncapsulation,
            },
            _groupSas.Snapshot(now))
        {
            LastRefusal = LastRefusal is { } r
                ? new RefusalStatus(r.Spi.ToString(), r.Notify.ToString(), r.Reason, (long)Math.Max(0, (now - _lastRefusalAt).TotalSeconds))
                : null,
            Uplink = new UplinkStatus(_ikeLocal?.Address.ToString(), SourceAddress.IsAny(_underlay) ? null : _underlay.ToString(), null),
            Memory = MemoryStatus.Now(),
        };
    }

    private static long? SecondsSince(MonoTime? then, MonoTime now) =>
        then is { } t ? (long)Math.Max(0, (now - t).TotalSeconds) : null;

    private static long? SecondsUntil(MonoTime? at, MonoTime now) =>
        at is { } t ? (long)Math.Ceiling(Math.Max(0, (t - now).TotalSeconds)) : null;
}
