using System.Net;
using Microsoft.Extensions.Logging;
using Mpsa.Agent.Config;
using Mpsa.Agent.DataPlane;
using Mpsa.Netlink.ChildSas;
using Mpsa.Netlink.Kernel;
using Mpsa.Agent.GroupSa;
using Mpsa.Agent.Supervisor;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Validation;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent;

/// <summary>
/// The agent's logic, owned by its driver loop: the controller connection and the group SAs it pushes, carried out
/// on the data plane. No sockets, no clock: the daemon (or a test) feeds datagrams and time.
/// </summary>
internal sealed partial class AgentEngine : IDisposable
{
    private readonly ILogger _log;
    private readonly ControllerConnection _connection;
    private readonly GroupSaManager _groupSas;
    private readonly MemberDataPlane _dataPlane;
    private readonly ChildSaInstaller<IkeSpi> _childSas;
    private readonly KernelOwnership _childSaOwnership;
    private readonly EspOnlyGuard _guard;
    private IPEndPoint? _ikeLocal;
    private IPAddress _underlay;
    private IPEndPoint? _ikePeer;
    private bool _childHandover;   // a reauthentication's CHILD_SA takes over the old one's states (same reqid)
    private AgentSettings _settings;
    private readonly Capabilities _capabilities;

    /// <param name="ikeLocal">The address and port IKE leaves from (the CHILD_SA's endpoint); null: the CHILD_SA is not installed.</param>
    public AgentEngine(AgentSettings settings, IKernel kernel, IPAddress underlay, ILogger log, IRandom random, IPEndPoint? natDetection = null,
        IPEndPoint? ikeLocal = null, Capabilities? capabilities = null)
    {
        _settings = settings;
        _capabilities = capabilities ?? Capabilities.Here;
        _log = log;
        _ikeLocal = ikeLocal;
        _underlay = underlay;
        _connection = new ControllerConnection(settings, random, natDetection: natDetection);
        _dataPlane = new MemberDataPlane(kernel, settings.DataPlane, underlay, line => log.KernelOperation(line), ControllerAddresses.Of(settings));
        _groupSas = new GroupSaManager(_dataPlane.States, PolicyOf(settings));
        // The CHILD_SA with the controller has the reqid after the group SA's, with no mark (its traffic is not marked).
        _childSaOwnership = KernelOwnership.Of(settings.DataPlane.ReqId + 1);
        _childSas = new ChildSaInstaller<IkeSpi>(kernel, _childSaOwnership, line => log.KernelOperation(line)) { Lifetimes = KernelLifetimes(settings.Rekey) };
        // esp_only: what must never go to or come from the controller outside the CHILD_SA (reqid after the CHILD_SA's).
        _guard = new EspOnlyGuard(kernel, settings.DataPlane.ReqId + 2, line => log.KernelOperation(line));
    }

    public MemberDataPlane DataPlane => _dataPlane;

    /// <summary>How many group SAs were accepted (new or refreshed) since start.</summary>
    public long GroupSasAccepted { get; private set; }

    /// <summary>An event from the kernel (posted to the driver loop by the kernel's listener).</summary>
    public void OnKernelEvent(KernelEvent e, MonoTime now)
    {
        switch (e)
        {
            case AcquireRequested a when a.ReqId == _settings.DataPlane.ReqId:   // not the esp_only guard's
                _dataPlane.Acquired(a.Destination);
                break;
            case StateExpired x when x.Hard:
                _log.HardExpired(x.State);
                break;
            case StateExpired x when _childSas.Owns(x.State):
                // the kernel's soft lifetime came before our rekey timer: the CHILD_SA with the controller is due
                _connection.ChildSaExpiring(now);
                break;
        }
    }

    public ConnectionState State => _connection.State;

    public MonoTime? NextDeadline => MonoTime.Min(MonoTime.Min(_connection.NextDeadline, _groupSas.NextDeadline),
        _keepalive.NextDeadline(KeepaliveTarget));

    /// <summary>The controller's address while a NAT is on the IKE SA's path (keepalives go there); else null.</summary>
    private IPEndPoint? KeepaliveTarget =>
        _connection.State == ConnectionState.Connected && _connection.Initiator is { NatOnPath: true } ike ? ike.Peer : null;

    private readonly NatKeepalive _keepalive = new();

    public IReadOnlyList<Outgoing> Start(MonoTime now)
    {
        int leftovers = _dataPlane.Start() + _childSas.RemoveLeftovers();
        if (leftovers > 0)
        {
            _log.LeftoversRemoved(leftovers);
        }
        Guard();
        _log.Connecting(_settings.Controller, _settings.Identity);
        return Apply(_connection.Start(now), now);
    }

    public IReadOnlyList<Outgoing> Receive(ReadOnlySpan<byte> datagram, IPEndPoint from, MonoTime now) =>
        Apply(_connection.Receive(datagram, from, now), now);

    public IReadOnlyList<Outgoing> OnTimeout(MonoTime now)
    {
        var send = new List<Outgoing>();
        foreach (var failure in _groupSas.OnTimeout(now))
        {
            // accepted earlier, failed at ROLL1: the controller must not count this member as holding it
            _log.GroupSaFailed(failure.Spi, failure.Notify, failure.Reason);
            (LastRefusal, _lastRefusalAt) = (failure, now);
            send.AddRange(Apply(_connection.ReportRefusal(failure, now), now));
        }
        bool waiting = _connection.State == ConnectionState.Waiting;
        send.AddRange(Apply(_connection.OnTimeout(now), now));
        if (waiting && _connection.State == ConnectionState.Connecting && _connection.Addresses.Count > 1)
        {
            _log.TryingController(_connection.Controller, _connection.AddressIndex + 1, _connection.Addresses.Count);
        }
        if (_keepalive.Take(KeepaliveTarget, now) is { } keepalive)
        {
            send.Add(keepalive);
        }
        return send;
    }

    /// <summary>The last MPSA_PUT this agent refused or could not carry out (shown by status).</summary>
    public MpsaRefusal? LastRefusal { get; private set; }

    private MonoTime _lastRefusalAt;

    /// <summary>The agent's rules for MPSA_PUT on top of the draft's (docs/PROTOCOL.md).</summary>
    private MpsaPolicy PolicyOf(AgentSettings settings) => new()
    {
        AllowedSuites = settings.GroupSuites,
        // a PRF that needs libssl on a system without it would abort the process: not offered, so refused
        AllowedPrfs = _capabilities.GroupPrfs,
        Installable = XfrmAlgorithms.CanInstall,
        RequireVendorId = settings.RequireVendorId,
        AllowCounterModeAead = settings.UnsafeCounterModeAead,
    };

    public IReadOnlyList<Outgoing> CheckLiveness(MonoTime now) => Apply(_connection.CheckLiveness(now), now);

    /// <summary>The route towards the controller is back (same address): reconnect now if the IKE SA was lost meanwhile,
    /// else check at once that it survived. An IKE SA that survived an outage longer than the group SAs' LIFE is
    /// replaced too: the controller's pushes missed meanwhile wait behind its retransmission backoff, while a new IKE SA
    /// brings the current group SA right after IKE_AUTH.</summary>
    public IReadOnlyList<Outgoing> UplinkBack(MonoTime now) =>
        Apply(_groupSas.Count == 0 && _connection.State == ConnectionState.Connected ? _connection.Reconnect(now) : _connection.UplinkBack(now), now);

    /// <summary>
    /// The address IKE leaves from changed to <paramref name="ikeSource"/> (and the underlay to <paramref name="underlay"/>)
    /// and the IKE SA can move (MOBIKE): the kernel moves first, make-before-break — the group SA's policies and states to
    /// the new underlay address, the CHILD_SA with the controller and the esp_only guard to the new endpoint — then
    /// UPDATE_SA_ADDRESSES goes out. Null when it cannot move (no MOBIKE, not connected, another address family): the
    /// caller makes a new engine, which reconnects.
    /// </summary>
    public IReadOnlyList<Outgoing>? Move(IPAddress ikeSource, IPAddress underlay, IPEndPoint? natDetection, MonoTime now)
    {
        if (!_connection.CanMove || underlay.AddressFamily != _underlay.AddressFamily
            || (_ikeLocal is { } was && was.AddressFamily != ikeSource.AddressFamily))
        {
            return null;
        }
        _dataPlane.Readdress(underlay, now);
        _underlay = underlay;
        if (_ikeLocal is { } before)
        {
            _ikeLocal = new IPEndPoint(ikeSource, before.Port);
            Guard();
            if (_connection.ChildSa is { } child && _ikePeer is { } peer && _connection.Initiator is { } ike)
            {
                var local = child.UdpEncapsulation ? new IPEndPoint(ikeSource, UdpEndpoint.NatTraversalPort) : _ikeLocal;
                var r = _childSas.Move(ike.SpiR, child, local, peer);
                if (!r.IsOk)
                {
                    _log.ChildSaNotInstalled(r.Message);
                }
            }
        }
        return Apply(_connection.Move(natDetection, now), now);
    }

    /// <summary>Deletes the IKE SA (the daemon waits a moment for the answer) and takes every group SA out of the kernel.</summary>
    public IReadOnlyList<Outgoing> Shutdown(MonoTime now)
    {
        _groupSas.RemoveAll();
        _childSas.RemoveAll();
        _dataPlane.Stop();   // the esp_only guard stays: stopped or restarting, BGP still never goes out in plain text
        return Apply(_connection.Close(now), now);
    }

    public bool Closed => _connection.Initiator?.Phase is null or InitiatorPhase.Gone;

    public IReadOnlyList<Outgoing> Reconfigure(AgentSettings next, MonoTime now)
    {
        if (next.DataPlane != _settings.DataPlane && !_dataPlane.Reconfigure(next.DataPlane))
        {
            _log.DataPlaneNeedsRestart();
        }
        bool guardChanged = !ReadOnlyLists.SequenceEqual(next.EspOnly, _settings.EspOnly)
            || !ReadOnlyLists.SequenceEqual(next.Controllers, _settings.Controllers);
        _settings = next;
        if (guardChanged)
        {
            Guard();
        }
        _groupSas.Policy = PolicyOf(next);
        _childSas.Lifetimes = KernelLifetimes(next.Rekey);
        return Apply(_connection.Reconfigure(next, now), now);
    }

    private List<Outgoing> Apply(Step step, MonoTime now)
    {
        var send = new List<Outgoing>(step.Send);
        if (send.Count > 0)
        {
            _keepalive.Sent(now);
        }
        foreach (var e in step.Events)
        {
            Handle(e, now, send);
        }
        return send;
    }

    private void Handle(IkeEvent e, MonoTime now, List<Outgoing> send)
    {
        switch (e)
        {
            case IkeSaEstablished up:
                _ikePeer = up.Peer;
                _log.Connected(up.SpiI, up.SpiR, up.PeerIdentity, up.Peer, up.Suite);
                if (!up.PeerSupportsMpsa)
                {
                    _log.NoMpsaVendorId(up.Peer);
                }
                if (up.Childless)
                {
                    _log.Childless();
                }
                else if (!_settings.ChildSa)
                {
                    _log.ChildlessRefused(up.Peer);
                }
                break;
            case ChildSaEstablished c when _childHandover:
                _childHandover = false;
                _log.ChildSaUp(c.ChildSa);
                Rekey(c.SpiR, c.ChildSa, outboundAfterOldDeleted: false);
                break;
            case ChildSaEstablished c:
                _log.ChildSaUp(c.ChildSa);
                Install(c);
                break;
            case IkeSaReauthenticated r:
                // make-before-break: the new CHILD_SA goes in beside the old one's states, which stay until the old IKE SA is gone
                _childSas.Rename(r.OldSpiR, r.NewSpiR);
                _childHandover = true;
                _log.Reauthenticated(r.OldSpiR, r.NewSpiR);
                break;
            case ReauthenticationFailed f:
                _log.ReauthenticationFailed(f.Reason, f.Detail);
                break;
            case ReplacedIkeSaGone g:
                if (g.ChildOutboundSpi is { } old && _connection.Initiator is { } live)
                {
                    _childSas.RemovePeerDeleted(live.SpiR, [old]);
                }
                _log.ReplacedIkeSaGone(g.Detail);
                break;
            case ChildSaFailed f:
                _childHandover = false;
                _log.ChildSaRefused(f.Reason);
                break;
            case ChildSaDeleted d:
                // after a rekey the replaced CHILD_SA goes this way too: only the current one is worth a warning
                if (_connection.ChildSa is { } current && !ReadOnlyLists.Contains(d.PeerSpis, current.OutboundSpi))
                {
                    _log.ReplacedChildSaGone();
                }
                else
                {
                    _log.ChildSaDeletedByPeer(d.PeerSpis.Count);
                }
                _childSas.RemovePeerDeleted(d.SpiR, d.PeerSpis);   // a replaced CHILD_SA's states, or everything
                break;
            case ChildSaRekeyed c:
                // the new CHILD_SA goes in first; the old one's states stay until its Delete (RFC 7296 §2.8)
                _log.ChildSaUp(c.New);
                Rekey(c.SpiR, c.New, c.OutboundAfterOldDeleted);
                break;
            case IkeSaRekeyed r:
                _childSas.Rename(r.OldHandle, r.NewHandle);
                _log.Rekeyed(r.OldHandle, r.NewHandle, r.Suite);
                break;
            case IkeSaRekeyFailed f:
                _log.RekeyFailed("IKE SA", f.PeersRekey, f.Notify, f.Reason);
                break;
            case ChildSaRekeyFailed f:
                _log.RekeyFailed("CHILD_SA", f.PeersRekey, f.Notify, f.Reason);
                break;
            case MpsaReceived r:
                try
                {
                    // the answer goes only after the kernel carried the message out, and says what it now holds
                    var refusal = Accept(r, now);
                    send.AddRange(Apply(_connection.AnswerMpsaPut(r.MessageId, refusal, now), now));
                }
                finally
                {
                    foreach (var put in r.Puts)
                    {
                        put.Dispose();
                    }
                }
                break;
            case MpsaRejected r:
                _log.MpsaMalformed(r.Reason);
                break;
            case IkeSaMoved m when m.NatChanged:
                // ESP in UDP or not is fixed for the CHILD_SA: a NAT that appeared or went needs a new IKE SA
                _log.MoveNeedsNewSa(m.NatDetected ? "a NAT appeared on the new path" : "the NAT on the path is gone");
                _childSas.RemoveAll();
                send.AddRange(Apply(_connection.Reconnect(now), now));
                break;
            case IkeSaMoved m:
                _log.IkeSaMoved(m.SpiR, m.Local?.Address ?? _ikeLocal?.Address, m.Peer);
                break;
            case IkeSaMoveFailed f:
                _log.MoveNeedsNewSa(f.Reason);
                _childSas.RemoveAll();
                send.AddRange(Apply(_connection.Reconnect(now), now));
                break;
            case LivenessConfirmed:
                _log.Alive();
                break;
            case PeerGone g when _connection.State == ConnectionState.Closed:
                _childSas.RemoveAll();
                _log.Closed();
                break;
            case PeerGone g when _connection.FailingOver:
                _childSas.RemoveAll();
                _log.FailingOver(g.Peer, g.Reason, g.Detail, _connection.Controller);
                break;
            case PeerGone g:
                _childSas.RemoveAll();
                _log.Disconnected(g.Reason, g.Detail, _connection.Failures, (long)(_connection.ReconnectIn(now) ?? TimeSpan.Zero).TotalMilliseconds);
                break;
            case MessageDropped d:
                _log.Dropped(d.From, d.Reason);
                break;
        }
    }

    private MpsaRefusal? Accept(MpsaReceived r, MonoTime now)
    {
        var outcome = _groupSas.Receive(r.Puts, r.PeerSentVendorId, now);
        if (outcome.Refusal is { } refusal)
        {
            _log.GroupSaRejected(refusal.Spi, refusal.Notify, refusal.Reason);
            (LastRefusal, _lastRefusalAt) = (refusal, now);
            return refusal;
        }
        foreach (var put in r.Puts)
        {
            GroupSasAccepted++;
            _log.GroupSaAccepted(put.Spi, ReadOnlyLists.Contains(outcome.Installed, put.Spi) ? "accepted" : "refreshed", put);
            if (MpsaPutValidation.SuiteOf(put).IsCounterModeAead)
            {
                _log.GroupSaWarning(put.Spi, "a counter-mode AEAD, allowed by unsafe_counter_mode_aead: every member generates IVs under the same key, so IVs can repeat");
            }
        }
        return null;
    }

    public void Dispose()
    {
        _connection.Dispose();
        _groupSas.Dispose();
    }
}
