using System.Net;
using Microsoft.Extensions.Logging;
using Mpsa.Controller.Groups;
using Mpsa.Controller.Members;
using Mpsa.Controller.State;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller;

/// <summary>
/// The controller's logic in one loop-owned object: the IKE responder for every member, each group's SAs and rekey
/// schedule, and the fan-out of MPSA_PUT with its acknowledgements. No sockets and no clock: the daemon feeds it.
/// </summary>
internal sealed partial class ControllerEngine : IDisposable
{
    private readonly ILogger _log;
    private readonly IRandom _random;
    private readonly IkeResponder _responder;
    private readonly Dictionary<string, GroupKeyManager> _groups = [];
    private bool _stopping;   // after Shutdown: no new IKE SA
    private readonly Dictionary<IkeSpi, MemberSession> _sessions = [];
    private readonly Dictionary<string, IkeSpi> _sessionOfMember = new(StringComparer.Ordinal);   // a member's newest IKE SA
    private readonly Dictionary<string, RekeyFanOut> _fanOuts = [];
    private readonly MemberChildSas? _childSas;
    private Dictionary<string, (MemberConfig Member, PeerPolicy Policy)> _members = [];
    private readonly LimitLog _limitLog;
    private readonly IGroupStateStore? _state;
    private readonly KeyShareReuse _keyShares;

    /// <param name="childSas">Where members' CHILD_SAs go into the kernel; null: they are negotiated only.</param>
    /// <param name="offloadSaInit">Where IKE_SA_INIT's key exchange runs (see <see cref="IkeResponderOptions.OffloadSaInit"/>); null: inline.</param>
    /// <param name="state">Where the groups' SAs are kept across restarts (the state file); null: in memory only.</param>
    public ControllerEngine(ControllerSettings settings, ILogger log, IRandom random, MonoTime now, MemberChildSas? childSas = null,
        Action<SaInitJob>? offloadSaInit = null, IGroupStateStore? state = null)
    {
        _log = log;
        _state = state;
        _random = random;
        _childSas = childSas;
        _childSas?.Start();
        if (_childSas is not null)
        {
            _childSas.Lifetimes = KernelLifetimes(settings.Rekey);
            _childSas.Guard(settings.Listen.Select(e => e.Address), settings.EspOnly);
        }
        _limitLog = new LimitLog(log);
        Settings = settings;
        ApplyMembers(settings);
        foreach (var g in settings.Groups.Values)
        {
            AddGroup(g, now, state?.Restored.GetValueOrDefault(g.Name));
        }
        ForgetUnconfiguredGroups(settings);
        _keyShares = new KeyShareReuse(settings.KeyShareReuse, random);
        _responder = new IkeResponder(new IkeResponderOptions
        {
            KeyShares = _keyShares,
            Proposals = settings.IkeProposals,
            FragmentSize = settings.FragmentSize,
            Mobike = settings.Mobike,
            ChildProposals = settings.ChildProposals,
            LocalIdentity = settings.Identity,
            FindPeer = id => _members.TryGetValue(id.MatchKey(), out var m) ? m.Policy : null,
            CookieThreshold = settings.CookieThreshold,
            Limits = settings.Limits,
            Certificates = () => Settings.Certificates,
            Random = random,
            OffloadSaInit = offloadSaInit,
            AuthLifetime = AuthLifetime,
        });
        ReserveForMembers();
        SaveStateIfChanged(now);
    }

    public ControllerSettings Settings { get; private set; }

    public MonoTime? NextDeadline
    {
        get
        {
            var at = _responder.NextDeadline;
            foreach (var g in _groups.Values)
            {
                at = MonoTime.Min(at, g.NextDeadline);
            }
            foreach (var f in _fanOuts.Values)
            {
                at = MonoTime.Min(at, f.LateReported ? null : f.Rollover1At);
                at = MonoTime.Min(at, f.NextPushAt);
            }
            at = MonoTime.Min(MonoTime.Min(MonoTime.Min(MonoTime.Min(at, NextRetry), NextRekey), NextReplacedCheck), NextStateSave);
            return MonoTime.Min(at, NextOverdueReport);
        }
    }

    /// <param name="local">The listening address, when bound to one (answers NAT detection).</param>
    public IReadOnlyList<Outgoing> Receive(ReadOnlySpan<byte> datagram, IPEndPoint from, MonoTime now, IPEndPoint? local = null)
    {
        // Stopping: members' answers to our Deletes still count, a new IKE SA does not (it would outlive us).
        if (_stopping && datagram.Length >= 28 && datagram[18] == (byte)ExchangeType.IKE_SA_INIT && datagram[8..16].IndexOfAnyExcept((byte)0) < 0)
        {
            return [];
        }
        var send = new List<Outgoing>();
        Apply(_responder.Receive(datagram, from, now, local), now, send);
        return send;
    }

    /// <summary>An IKE_SA_INIT job handed out through the offload, back from its thread.</summary>
    public IReadOnlyList<Outgoing> CompleteSaInit(SaInitJob job, MonoTime now)
    {
        var send = new List<Outgoing>();
        Apply(_responder.CompleteSaInit(job, now), now, send);
        return send;
    }

    public IReadOnlyList<Outgoing> OnTimeout(MonoTime now)
    {
        var send = new List<Outgoing>();
        Apply(_responder.OnTimeout(now), now, send);
        foreach (var (name, group) in _groups)
        {
            if (group.OnTimeout(now) is { } next && StoreNewSa(group, now))
            {
                StartFanOut(name, group, next, "lifetime", now, send);
            }
        }
        foreach (var f in _fanOuts.Values.Where(f => f.NextPushAt is { } at && now >= at).ToList())
        {
            PushNext(f, now, send);
        }
        RetryRefused(now, send);
        StartDueRekeys(now, send);
        DeleteKeptReplaced(now, send);
        foreach (var f in _fanOuts.Values.Where(f => !f.LateReported && now >= f.Rollover1At))
        {
            f.LateReported = true;
            if (f.Waiting.Count > 0)
            {
                _log.RekeyLate(f.Group, f.Waiting.Count, f.Spi, string.Join(", ", f.Waiting.Values.Order()));
                Metrics?.MembersNotAcknowledged(f.Group, f.Waiting.Count);
            }
        }
        SaveStateIfChanged(now);   // before any member hears of a new SA
        ReportOverdueRekeys(now);
        return send;
    }

    /// <summary>Says goodbye to every member (Delete); the daemon gives the answers a bounded time.</summary>
    public IReadOnlyList<Outgoing> Shutdown(MonoTime now)
    {
        _stopping = true;
        var send = new List<Outgoing>();
        foreach (var s in _sessions.Values)
        {
            s.Leaving = true;
            Apply(_responder.Delete(s.SpiR, now), now, send);
        }
        return send;
    }

    public int ConnectedCount => _sessions.Count;

    /// <summary>IKE SAs the responder holds, old ones of a rekey and half-open ones included.</summary>
    public int IkeSaCount => _responder.IkeSaCount;

    public void RotateCookieSecret() => _responder.RotateCookieSecret();

    private void Apply(Step step, MonoTime now, List<Outgoing> send)
    {
        send.AddRange(step.Send);
        foreach (var e in step.Events)
        {
            Measure(e);
            Handle(e, now, send);
        }
    }

    private void Handle(IkeEvent e, MonoTime now, List<Outgoing> send)
    {
        if (e is not IkeSaRekeyed)
        {
            TrackRekeys(e, now);
        }
        switch (e)
        {
            case IkeSaEstablished late when _stopping:
                Apply(_responder.Delete(late.SpiR, now), now, send);   // its IKE_SA_INIT came before the stop
                break;
            case IkeSaEstablished { PeerId: { } id } up when _members.TryGetValue(id.MatchKey(), out var m):
                var session = new MemberSession(up.SpiR, m.Member, up.Peer, now, up.KeyFingerprint)
                {
                    Rekeys = new RekeySchedule(Settings.Rekey, _random),
                    KeyExchange = SuiteNames.KeyExchanges(up.Suite),
                };
                if (_sessionOfMember.TryGetValue(m.Member.Name, out var older) && _sessions.TryGetValue(older, out var olderSession))
                {
                    if (up.InitialContact)
                    {
                        // A member that comes back (a restart, a crash) replaces its older IKE SAs (RFC 7296 §2.4, INITIAL_CONTACT).
                        Forget(olderSession);
                    }
                    else
                    {
                        Supersede(olderSession, session, now);
                    }
                }
                Authenticated(session, now);
                _sessions[up.SpiR] = session;
                _sessionOfMember[m.Member.Name] = up.SpiR;
                _log.MemberConnected(m.Member.Name, up.Peer, up.SpiI, up.SpiR, up.Suite);
                if (up.Childless)
                {
                    session.ChildState = "none (childless)";
                    _log.Childless(m.Member.Name);
                }
                if (_groups.TryGetValue(m.Member.Group, out var group))
                {
                    Push(session, group.PutsForJoiner(now), now, send);
                }
                break;
            case ChildSaEstablished c when _sessions.TryGetValue(c.SpiR, out var s):
                s.ChildOutboundSpi = c.ChildSa.OutboundSpi;
                _log.ChildSaNegotiated(s.Member.Name, c.ChildSa);
                string? notInKernel;
                if (s.ChildHandover)
                {
                    // reauthentication: in beside the replaced CHILD_SA's states, which go with the old IKE SA
                    s.ChildHandover = false;
                    notInKernel = _childSas?.HandOver(s.Member.Name, s.Address, c, now);
                }
                else
                {
                    notInKernel = _childSas?.Install(s.Member.Name, s.Address, c, now);
                }
                s.ChildState = MemberChildSas.NegotiatedState(notInKernel);
                break;
            case ChildSaFailed f when _sessions.TryGetValue(f.SpiR, out var s):
                s.ChildHandover = false;
                s.ChildState = $"refused ({f.Reason})";
                _log.ChildSaFailed(s.Member.Name, f.Reason);
                break;
            case ChildSaDeleted d when _sessions.TryGetValue(d.SpiR, out var s):
                // after a rekey the replaced CHILD_SA goes this way too: only the current one is worth a warning
                if (s.ChildOutboundSpi is { } current && !d.PeerSpis.Contains(current))
                {
                    _log.ReplacedChildSaGone(s.Member.Name);
                }
                else
                {
                    _log.ChildSaDeleted(s.Member.Name, d.PeerSpis.Count);
                    s.ChildOutboundSpi = null;
                    s.ChildState = "deleted";
                }
                _childSas?.RemovePeerDeleted(d.SpiR, d.PeerSpis);
                break;
            case ChildSaRekeyed c when _sessions.TryGetValue(c.SpiR, out var s):
                s.ChildOutboundSpi = c.New.OutboundSpi;
                _log.ChildSaNegotiated(s.Member.Name, c.New);
                s.ChildState = MemberChildSas.NegotiatedState(_childSas?.Rekey(s.Member.Name, s.Address, c, now));
                break;
            case PeerMoved m when _sessions.TryGetValue(m.SpiR, out var s):
                // RFC 4555: MPSA_PUTs, liveness checks and the CHILD_SA go to the new address from now on
                s.Address = m.To;
                _log.MemberMoved(s.Member.Name, m.SpiR, m.From, m.To, m.NatDetected is null ? " (no MOBIKE: a message came from there)"
                    : m.NatDetected == true ? " (MOBIKE), now behind a NAT" : " (MOBIKE)");
                if (_responder.ChildSa(m.SpiR) is { } child)
                {
                    if (_childSas?.Move(s.Member.Name, m.To, m.SpiR, child, now) is { } notMoved)
                    {
                        s.ChildState = MemberChildSas.NegotiatedState(notMoved);
                    }
                }
                break;
            case IkeSaRekeyed r:
                Rekeyed(r);
                TrackRekeys(r, now);
                break;
            case IkeSaRekeyFailed f when _sessions.TryGetValue(f.SpiR, out var s):
                _log.MemberRekeyFailed(s.Member.Name, "IKE SA", f.PeersRekey, f.Notify, f.Reason);
                break;
            case ChildSaRekeyFailed f when _sessions.TryGetValue(f.SpiR, out var s):
                _log.MemberRekeyFailed(s.Member.Name, "CHILD_SA", f.PeersRekey, f.Notify, f.Reason);
                break;
            case MpsaAcknowledged ack when _sessions.TryGetValue(ack.SpiR, out var s):
                OnAcknowledged(s, ack, now, send);
                break;
            case MpsaRefusalReported reported when _sessions.TryGetValue(reported.SpiR, out var s):
                OnRefusalReported(s, reported, now);
                break;
            case PeerGone gone:
                OnGone(gone, now, send);
                break;
            case MessageDropped d:
                _log.Dropped(d.From, d.Reason);
                break;
            case LimitReached l:
                _limitLog.Report(l.Limit, l.From, l.Detail, now);
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// The member's IKE SA was rekeyed (RFC 7296 §2.18): its session, CHILD_SA states, refusal retries and rekey
    /// fan-outs are filed under the new SPI. The responder sends every later event of the session with it, also for
    /// requests that finish on the old SA, so nothing needs the old SPI again.
    /// </summary>
    private void Rekeyed(IkeSaRekeyed r)
    {
        if (!_sessions.Remove(r.OldHandle, out var s))
        {
            return;
        }
        s.SpiR = r.NewHandle;
        s.KeyFingerprint = r.KeyFingerprint;
        s.KeyExchange = SuiteNames.KeyExchanges(r.Suite);
        _sessions[r.NewHandle] = s;
        if (_sessionOfMember.TryGetValue(s.Member.Name, out var newest) && newest == r.OldHandle)
        {
            _sessionOfMember[s.Member.Name] = r.NewHandle;
        }
        if (_retrying.Remove(r.OldHandle, out var retrying))
        {
            _retrying[r.NewHandle] = retrying;
        }
        _childSas?.Rename(r.OldHandle, r.NewHandle);
        foreach (var f in _fanOuts.Values)
        {
            f.Rename(r.OldHandle, r.NewHandle);
        }
        _log.MemberRekeyed(s.Member.Name, r.OldHandle, r.NewHandle, r.Suite);
    }

    /// <summary>A socket on port 4500 is open (natt = yes and it could be bound).</summary>
    public bool ServesNatTraversal { get; set; } = true;

    /// <summary>Initiators told once that their IKE_AUTH probably went to a port 4500 we do not serve.</summary>
    private readonly HashSet<IPAddress> _toldAboutNatTraversal = [];

    private void OnGone(PeerGone gone, MonoTime now, List<Outgoing> send)
    {
        _childSas?.Remove(gone.SpiR);
        if (!_sessions.Remove(gone.SpiR, out var s))
        {
            _retrying.Remove(gone.SpiR);
            if (gone.MayHaveMovedTo4500 && !ServesNatTraversal && _toldAboutNatTraversal.Count < 1024 && _toldAboutNatTraversal.Add(gone.Peer.Address))
            {
                _log.InitiatorMovedTo4500(gone.Peer);
            }
            if (gone.Reason is PeerGoneReason.AuthenticationFailed or PeerGoneReason.Refused)
            {
                _limitLog.Refused(gone.Peer, gone.Detail, now);
            }
            return;
        }
        ForgetRefusals(s);
        if (s.ReplacedBy is { } newer)
        {
            ReplacedGone(s, newer, gone.Detail);
            return;
        }
        if (_sessionOfMember.TryGetValue(s.Member.Name, out var newest) && newest == s.SpiR)
        {
            _sessionOfMember.Remove(s.Member.Name);
        }
        _log.MemberGone(s.Member.Name, s.Address, gone.Reason, gone.Detail);
        if (_fanOuts.TryGetValue(s.Member.Group, out var f) && f.Gone(s.SpiR))
        {
            _log.RekeyMissed(f.Group, s.Member.Name, f.Spi, gone.Detail);
            if (!f.LateReported)
            {
                Metrics?.MembersNotAcknowledged(f.Group, 1);   // one that was late at ROLL1 is counted already
            }
            PushNext(f, now, send);
        }
    }

    private void Push(MemberSession session, IReadOnlyList<MpsaPut> puts, MonoTime now, List<Outgoing> send)
    {
        try
        {
            Apply(_responder.SendMpsaPut(session.SpiR, puts, now), now, send);
        }
        finally
        {
            foreach (var p in puts)
            {
                p.Dispose();
            }
        }
    }

    private void StartFanOut(string name, GroupKeyManager group, GroupSa next, string reason, MonoTime now, List<Outgoing> send)
    {
        if (_fanOuts.TryGetValue(name, out var previous))
        {
            // A rekey before the last one was sent to everyone: the rest get it now, outside the window, if it is still in use.
            PushNext(previous, now, send, previous.ToPush.Count);
            previous.Dispose();
        }
        var members = _sessions.Values.Where(s => s.Member.Group == name && !s.Leaving).ToList();
        var fanOut = new RekeyFanOut(name, next.Spi, now, now + group.Config.Rollover1, members.Select(s => (s.SpiR, s.Member.Name)).ToList(),
            RetransmitPolicy.Default.Initial);
        _fanOuts[name] = fanOut;
        _log.GroupSaCreated(name, next.Spi, next.Config.Esp, next.Fingerprint, next.Config.Lifetime);
        _log.RekeyStarted(name, next.Spi, reason, members.Count);
        PushNext(fanOut, now, send);
    }

    /// <summary>Sends the fan-out's SA to as many of its next members still connected as its window has room for
    /// (<paramref name="count"/>: that many, whatever the window).</summary>
    private void PushNext(RekeyFanOut f, MonoTime now, List<Outgoing> send, int? count = null)
    {
        if (f.ToPush.Count == 0)
        {
            return;
        }
        // The SA is the group's next one until the rollover ends; a group removed by a reload has none.
        _groups.TryGetValue(f.Group, out var group);
        bool isNext = group?.Next?.Spi == f.Spi;
        var sa = isNext ? group!.Next : group?.Current.Spi == f.Spi ? group.Current : null;
        int room = count ?? f.Room(now);
        for (int n = 0; n < room && f.ToPush.TryDequeue(out var spiR);)
        {
            if (sa is not null && _sessions.TryGetValue(spiR, out var s) && !s.Leaving)
            {
                f.Sent(spiR, now);
                Apply(_responder.SendMpsaPut(s.SpiR, [f.PutFor(sa, now, isNext ? group!.RolloverStartedAt : null)], now), now, send);
                n++;
            }
        }
        if (f.ToPush.Count == 0)
        {
            f.Dispose();
        }
    }

    /// <summary>CHILD_SA states: soft expire at child_lifetime, hard at child_lifetime + 10 % (the rekey comes first).</summary>
    private static (ulong, ulong) KernelLifetimes(RekeyPolicy rekey) =>
        ((ulong)rekey.ChildLifetime.TotalSeconds, (ulong)Math.Ceiling(rekey.ChildHardLifetime.TotalSeconds));

    private void AddGroup(GroupConfig g, MonoTime now, StoredGroup? stored = null)
    {
        var manager = new GroupKeyManager(g, _random, now, stored) { Leading = _leading };
        _groups[g.Name] = manager;
        if (manager.Restored)
        {
            _log.GroupSaRestored(g.Name, manager.Current.Spi, manager.Current.Fingerprint, manager.Current.ExpiresAt - now,
                manager.Next is null ? "none" : manager.Next.Spi.ToString());
            return;
        }
        if (manager.NotRestoredBecause is { } why)
        {
            _log.GroupStateNotRestored(g.Name, why);
        }
        _log.GroupSaCreated(g.Name, manager.Current.Spi, g.Esp, manager.Current.Fingerprint, g.Lifetime);
    }

    public void Dispose()
    {
        _childSas?.RemoveAll();
        _responder.Dispose();
        _keyShares.Dispose();
        foreach (var f in _fanOuts.Values)
        {
            f.Dispose();
        }
        foreach (var g in _groups.Values)
        {
            g.Dispose();
        }
    }
}
