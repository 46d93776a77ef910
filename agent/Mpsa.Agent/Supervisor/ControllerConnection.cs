using System.Net;
using Mpsa.Agent.Config;
using Mpsa.Hosting;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Validation;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent.Supervisor;

/// <summary>
/// Keeps one IKE SA with the controller alive: connects, checks liveness when the controller has been quiet,
/// and reconnects whenever the SA goes (unreachable, deleted, liveness failed, refused): to the next of the controller's
/// addresses at once, with backoff and jitter after each full round through them (<see cref="Failover"/>).
/// Sans-I/O like the core: the daemon feeds datagrams and time, and sends what comes out.
/// </summary>
internal sealed class ControllerConnection : IDisposable
{
    private readonly IRandom _random;
    private readonly Func<uint>? _allocateChildSpi;
    private AgentSettings _settings;
    private Failover _failover;
    private IkeInitiator? _initiator;
    private Reauthentication? _reauth;
    private MonoTime _reconnectAt;
    private MonoTime _lastHeard;
    private IPEndPoint? _natDetection;

    /// <param name="natDetection">Our IKE endpoint as we send from it: enables NAT detection and the float to port 4500
    /// (needs SHA-1, i.e. libssl); null turns NAT traversal off.</param>
    public ControllerConnection(AgentSettings settings, IRandom random, Func<uint>? allocateChildSpi = null, IPEndPoint? natDetection = null)
    {
        _natDetection = natDetection;
        _settings = settings;
        _random = random;
        _allocateChildSpi = allocateChildSpi;
        _failover = new Failover(settings.Controllers, new Backoff(settings.RetryMin, settings.RetryMax, random));
    }

    public ConnectionState State { get; private set; } = ConnectionState.Waiting;

    public IkeInitiator? Initiator => _initiator;

    public IkeSaEstablished? Established { get; private set; }

    public ChildSa? ChildSa => _initiator?.ChildSa;

    /// <summary>Where the controller is reached now (port 4500 after a NAT was detected), or tried next while waiting.</summary>
    public IPEndPoint Controller => State == ConnectionState.Waiting ? _failover.Current : _initiator?.Peer ?? _failover.Current;

    /// <summary>Every address of the controller, in the order they are tried.</summary>
    public IReadOnlyList<IPEndPoint> Addresses => _failover.Addresses;

    /// <summary>The position of the address connected to, or tried (next), from 0.</summary>
    public int AddressIndex => _failover.Index;

    /// <summary>The last loss moved on to the next address at once (the round through the list goes on).</summary>
    public bool FailingOver { get; private set; }

    public int Failures => _failover.Failures;

    public MonoTime? NextDeadline => MonoTime.Min(State switch
    {
        ConnectionState.Waiting => _reconnectAt,
        ConnectionState.Connecting => _initiator!.NextDeadline,
        ConnectionState.Connected => MonoTime.Min(MonoTime.Min(_initiator!.NextDeadline, _lastHeard + _settings.LivenessInterval),
            Rekeys?.NextDeadline),
        _ => _initiator?.NextDeadline,
    }, _reauth?.NextDeadline);

    /// <summary>A reauthentication is under way (the fresh IKE SA, or the old one being deleted).</summary>
    public bool Reauthenticating => _reauth?.Fresh is not null;

    /// <summary>Connects now.</summary>
    public Step Start(MonoTime now) => Connect(now);

    public Step Receive(ReadOnlySpan<byte> datagram, IPEndPoint from, MonoTime now)
    {
        if (_reauth is not null && _reauth.Claims(datagram))
        {
            return Promote(_reauth.Receive(datagram, from, now), now);
        }
        if (_initiator is null)
        {
            return new Step([], [new MessageDropped(from, "not connecting")]);
        }
        var step = _initiator.Receive(datagram, from, now);
        if (!ReadOnlyLists.Exists(step.Events, e => e is MessageDropped))
        {
            _lastHeard = now;
        }
        return Observe(step, now);
    }

    public Step OnTimeout(MonoTime now)
    {
        var main = MainTimeout(now);
        return _reauth is null ? main : Merge(main, Promote(_reauth.OnTimeout(now), now), now);
    }

    private Step MainTimeout(MonoTime now)
    {
        switch (State)
        {
            case ConnectionState.Waiting when now >= _reconnectAt:
                return Connect(now);
            case ConnectionState.Connected when Rekeys?.Take(now) is { } due and not RekeyDue.None:
                // RFC 7296 §2.8: our side's lifetime is up (ike_lifetime / child_lifetime, less jitter)
                return Merge(_initiator!.OnTimeout(now), due switch
                {
                    RekeyDue.IkeSa => _initiator.RekeyIkeSa(now),
                    RekeyDue.ChildSa => _initiator.RekeyChildSa(now),
                    _ => Reauthenticate(now),
                }, now);
            case ConnectionState.Connected when now >= _lastHeard + _settings.LivenessInterval:
                _lastHeard = now;   // one probe per quiet interval; the core's retransmission decides
                return Merge(_initiator!.OnTimeout(now), _initiator.CheckLiveness(now), now);
            case ConnectionState.Connecting or ConnectionState.Connected or ConnectionState.Closed when _initiator is not null:
                return Observe(_initiator.OnTimeout(now), now);
            default:
                return Step.None;
        }
    }

    /// <summary>When the IKE SA and CHILD_SA were made and will be rekeyed; null while not connected.</summary>
    public RekeySchedule? Rekeys { get; private set; }

    /// <summary>The kernel's soft expire of a CHILD_SA state: rekey it now if our timer has not yet.</summary>
    public void ChildSaExpiring(MonoTime now) => Rekeys?.ChildSaExpiring(now);

    /// <summary>Liveness check on demand (e.g. from the control socket).</summary>
    public Step CheckLiveness(MonoTime now) => _initiator is null ? Step.None : Observe(_initiator.CheckLiveness(now), now);

    /// <summary>The verdict on an MPSA_PUT request (<see cref="MpsaReceived"/>), after the data plane carried it out.</summary>
    public Step AnswerMpsaPut(uint messageId, MpsaRefusal? refusal, MonoTime now) =>
        _initiator is null ? Step.None : Observe(_initiator.AnswerMpsaPut(messageId, refusal, now), now);

    /// <summary>Tells the controller that an SA accepted earlier could not be carried out.</summary>
    public Step ReportRefusal(MpsaRefusal refusal, MonoTime now) =>
        _initiator is null || State != ConnectionState.Connected ? Step.None : Observe(_initiator.ReportRefusal(refusal, now), now);

    /// <summary>Connected, no reauthentication under way, and both sides announced MOBIKE: the IKE SA can move.</summary>
    public bool CanMove => State == ConnectionState.Connected && _reauth is null && _initiator?.CanMove == true;

    /// <summary>Our address changed: UPDATE_SA_ADDRESSES (RFC 4555) from the new one; <paramref name="natDetection"/> is our
    /// new IKE endpoint for NAT-D (null: none), also for the connections made after this one.</summary>
    public Step Move(IPEndPoint? natDetection, MonoTime now)
    {
        _natDetection = natDetection;
        return CanMove ? Observe(_initiator!.UpdateAddresses(natDetection, now), now) : Step.None;
    }

    /// <summary>A new IKE SA at once (INITIAL_CONTACT tells the controller the old one is stale): after a move the
    /// controller refused, or one that found a NAT appear or go.</summary>
    public Step Reconnect(MonoTime now) => State == ConnectionState.Closed ? Step.None : Connect(now);

    /// <summary>The uplink is back after it was lost: a connection waiting to retry tries now (the wait was spent on a dead
    /// link), a connected one checks liveness now (the IKE SA may not have survived what happened upstream).</summary>
    public Step UplinkBack(MonoTime now) => State switch
    {
        ConnectionState.Waiting => Connect(now),
        ConnectionState.Connected => CheckLiveness(now),
        _ => Step.None,
    };

    /// <summary>Sends Delete and stops reconnecting.</summary>
    public Step Close(MonoTime now)
    {
        var previous = State;
        State = ConnectionState.Closed;
        if (_reauth?.Fresh is not null)
        {
            _reauth.Dispose();
            _reauth = null;
        }
        if (_initiator is null || previous != ConnectionState.Connected)
        {
            return Step.None;
        }
        return _initiator.Close(now);
    }

    /// <summary>Takes new settings; reconnects at once when they change the controller session.</summary>
    public Step Reconfigure(AgentSettings next, MonoTime now)
    {
        bool same = _settings.SameSession(next);
        _settings = next;
        if (Rekeys is not null)
        {
            Rekeys.Policy = next.Rekey;   // from the next rekey on
        }
        var backoff = new Backoff(next.RetryMin, next.RetryMax, _random);
        // an unchanged list keeps its place (a dead replica is not tried first again); a new one starts at its first
        _failover = ReadOnlyLists.SequenceEqual(next.Controllers, _failover.Addresses) ? _failover.With(backoff) : new Failover(next.Controllers, backoff);
        if (same || State == ConnectionState.Closed)
        {
            return Step.None;
        }
        var bye = State == ConnectionState.Connected ? _initiator!.Close(now) : Step.None;
        _reauth?.Dispose();
        _reauth = null;
        _initiator?.Dispose();
        _initiator = null;
        Established = null;
        var hello = Connect(now);
        return new Step([.. bye.Send, .. hello.Send], [.. bye.Events, .. hello.Events]);
    }

    private Step Connect(MonoTime now)
    {
        _initiator?.Dispose();
        _reauth?.Dispose();
        _reauth = null;
        Established = null;
        _initiator = NewInitiator(initialContact: true);
        State = ConnectionState.Connecting;
        return Observe(_initiator.Start(now), now);
    }

    /// <summary>RFC 7296 §2.8.3, make-before-break: a fresh IKE_SA_INIT/IKE_AUTH beside the current IKE SA, without
    /// INITIAL_CONTACT (the controller must not drop the current one); the old SA is deleted once the new one stands.</summary>
    private Step Reauthenticate(MonoTime now)
    {
        _reauth?.Dispose();
        _reauth = new Reauthentication(NewInitiator(initialContact: false));
        return Promote(_reauth.Start(now), now);
    }

    /// <summary>Follows a reauthentication: when the fresh IKE SA is up it becomes the connection's, and the old one goes.</summary>
    private Step Promote(Step step, MonoTime now)
    {
        if (_reauth is not { } reauth)
        {
            return step;
        }
        var events = new List<IkeEvent>(step.Events.Count + 1);
        var send = new List<Outgoing>(step.Send);
        foreach (var e in step.Events)
        {
            switch (e)
            {
                case IkeSaEstablished when reauth.Fresh is { } fresh && State == ConnectionState.Connected:
                    var old = _initiator!;
                    events.Add(new IkeSaReauthenticated(old.SpiR, fresh.SpiR, old.ChildSa?.OutboundSpi));
                    _initiator = fresh;
                    var bye = reauth.Retire(old, now);
                    send.AddRange(bye.Send);
                    events.Add(e);
                    events.AddRange(bye.Events);
                    break;
                case IkeSaEstablished:
                    break;   // cannot happen: a connection that goes (or closes) drops its reauthentication
                case PeerGone g when reauth.Fresh is not null:
                    events.Add(new ReauthenticationFailed(g.Reason, g.Detail));
                    Rekeys?.Failed(RekeyDue.Reauthentication, now);
                    reauth.Dispose();
                    _reauth = null;
                    break;
                case PeerGone g:
                    events.Add(new ReplacedIkeSaGone(g.SpiR, reauth.RetiredChildOutboundSpi, g.Detail));
                    reauth.Dispose();
                    _reauth = null;
                    break;
                case MpsaReceived r when reauth.Fresh is null:
                    // pushed on the SA being deleted: the controller pushes again on the new one
                    foreach (var put in r.Puts)
                    {
                        put.Dispose();
                    }
                    break;
                default:
                    events.Add(e);
                    break;
            }
        }
        return Observe(new Step(send, events), now);
    }

    private IkeInitiator NewInitiator(bool initialContact)
    {
        var s = _settings;
        var controller = _failover.Current;
        var local = s.LocalAddress ?? (controller.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any);
        return new IkeInitiator(new IkeInitiatorOptions
        {
            Proposals = s.Proposals,
            FragmentSize = s.FragmentSize,
            LocalIdentity = s.Identity,
            RemoteIdentity = s.ControllerIdentity,
            Psk = s.Psk,
            Certificates = s.Certificates,
            ChildProposals = s.EspProposals,
            RequestChildSa = s.ChildSa,
            LocalSelectors = [SourceAddress.IsAny(local) ? AnyOf(controller.Address) : TrafficSelector.ForHost(local)],
            RemoteSelectors = [TrafficSelector.ForHost(controller.Address)],
            TransportMode = true,
            Random = _random,
            AllocateChildSpi = _allocateChildSpi,
            LocalEndpoint = _natDetection,
            ForceUdpEncapsulation = s.ForceUdpEncapsulation,
            InitialContact = initialContact,
            Mobike = s.Mobike,
            Retransmit = s.Retransmit,
        }, controller);
    }

    private static TrafficSelector AnyOf(IPAddress like) =>
        like.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? TrafficSelector.AnyIPv6 : TrafficSelector.AnyIPv4;

    private Step Merge(Step a, Step b, MonoTime now) => Observe(new Step([.. a.Send, .. b.Send], [.. a.Events, .. b.Events]), now);

    /// <summary>Follows the SA's life from the events: up resets the backoff, gone schedules the next attempt (at the next address).</summary>
    private Step Observe(Step step, MonoTime now)
    {
        foreach (var e in step.Events)
        {
            switch (e)
            {
                case IkeSaEstablished up:
                    State = ConnectionState.Connected;
                    Established = up;
                    _lastHeard = now;
                    _failover.Connected();
                    Rekeys = new RekeySchedule(_settings.Rekey, _random);
                    Rekeys.Authenticated(now);
                    if (up.AuthLifetime is { } lifetime)
                    {
                        Rekeys.PeerAuthLifetime(now, lifetime);
                    }
                    break;
                case ChildSaEstablished or ChildSaRekeyed:
                    Rekeys?.ChildSaMade(now);
                    break;
                case ChildSaFailed:
                    Rekeys?.ChildSaGone();
                    break;
                case IkeSaRekeyFailed { PeersRekey: false }:
                    Rekeys?.Failed(RekeyDue.IkeSa, now);
                    break;
                case ChildSaRekeyFailed { PeersRekey: false }:
                    Rekeys?.Failed(RekeyDue.ChildSa, now);
                    break;
                case IkeSaRekeyed r when Established is { } up:
                    // RFC 7296 §2.18: the session goes on under the new SA's SPIs; whoever started the rekey is the
                    // new SA's original initiator, so its SPIs are shown by role, as on the wire
                    Established = up with
                    {
                        SpiI = r.NewSpiI,
                        SpiR = r.NewSpiR,
                        Suite = r.Suite,
                        KeyFingerprint = r.KeyFingerprint,
                    };
                    Rekeys?.IkeSaMade(now);
                    break;
                case PeerGone when State != ConnectionState.Closed:
                    _reauth?.Dispose();   // nothing to make before, or to break, any more
                    _reauth = null;
                    State = ConnectionState.Waiting;
                    Established = null;
                    Rekeys = null;
                    var wait = _failover.Failed();
                    FailingOver = wait == TimeSpan.Zero;
                    _reconnectAt = now + wait;
                    break;
            }
        }
        return step;
    }

    public TimeSpan? ReconnectIn(MonoTime now) => State == ConnectionState.Waiting ? _reconnectAt - now : null;

    public void Dispose()
    {
        _reauth?.Dispose();
        _initiator?.Dispose();
    }
}
