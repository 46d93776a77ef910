using System.Net;
using Mpsa.Agent.GroupSa;
using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;
using Mpsa.Netlink.Kernel;
using Mpsa.Netlink.Route;

namespace Mpsa.Agent.DataPlane;

/// <summary>
/// This member's whole footprint in the kernel: the shared SA's states (through <see cref="KernelDataPlane"/>) and the
/// policies, for peers that come from the configuration, from routes in a watched table (BGP next hops), or from
/// ACQUIRE. Owns the cleanup: leftovers of a crashed run at start, everything of its own at stop, nothing else ever.
/// </summary>
internal sealed class MemberDataPlane
{
    private DataPlaneSettings _settings;
    private List<XfrmPolicySpec> _base = [];
    private IPAddress _underlay;
    private readonly KernelDataPlane _states;
    private readonly PolicySet _policies;
    private readonly Action<string> _log;
    private readonly Dictionary<IPAddress, PeerEntry> _peers = [];
    private readonly RoutedPeers _routes;

    private sealed class PeerEntry
    {
        public HashSet<PeerSource> Sources { get; } = [];
        public HashSet<IpPrefix> StaticSubnets { get; } = [];
        public HashSet<IpPrefix> RouteSubnets { get; } = [];
        public List<XfrmPolicySpec> Policies { get; } = [];

        public IReadOnlyList<IpPrefix> Subnets
        {
            get
            {
                List<IpPrefix> all = [.. StaticSubnets];
                foreach (var subnet in RouteSubnets)
                {
                    if (!StaticSubnets.Contains(subnet))
                    {
                        all.Add(subnet);
                    }
                }
                return all;
            }
        }
    }

    /// <param name="notPeers">Addresses a route's next hop may name but that are never peers (the controller's).</param>
    public MemberDataPlane(IKernel kernel, DataPlaneSettings settings, IPAddress underlay, Action<string> log, IReadOnlyList<IPAddress>? notPeers = null)
    {
        _settings = settings;
        _underlay = underlay;
        _log = log;
        _routes = new RoutedPeers(() => _settings, () => _underlay, notPeers ?? [], RouteAdded, RouteRemoved, log);
        _states = new KernelDataPlane(kernel, underlay, [],
            new KernelDataPlaneOptions { ReqId = settings.ReqId, Mark = settings.Mark, Mode = settings.Mode }, log);
        _policies = new PolicySet(kernel, _states.Ownership, log);
    }

    /// <summary>The rollover steps of the group SAs land here.</summary>
    public IDataPlane States => _states;

    public IReadOnlyCollection<IPAddress> Peers => _peers.Keys;

    /// <summary>Removes what a crashed run left, installs the base policies and the static peers.</summary>
    public int Start()
    {
        int leftovers = _states.RemoveLeftovers() + _policies.RemoveLeftovers();
        _base = [.. PolicyPlan.Base(_settings, _underlay)];
        foreach (var p in _base)
        {
            _policies.Install(p);
        }
        foreach (var peer in _settings.Peers)
        {
            Add(peer.Address, PeerSource.Static, peer.Subnets);
        }
        return leftovers;
    }

    /// <summary>Prefixes the watched routing table gives to peers now.</summary>
    public int RoutedPrefixes => _routes.Count;

    /// <summary>A route of the watched table was added or replaced (RTM_NEWROUTE).</summary>
    public void Route(RouteEntry route) => _routes.Added(route);

    /// <summary>A route of the watched table was deleted (RTM_DELROUTE).</summary>
    public void RouteGone(RouteEntry route) => _routes.Removed(route);

    /// <summary>
    /// The watched table as a fresh dump shows it (at start, and after the kernel dropped route events): the differences
    /// are queued and applied by <see cref="ApplyRoutes"/>, a slice at a time.
    /// </summary>
    public void Routes(IEnumerable<RouteEntry> table) => _routes.Resync(table);

    /// <summary>Applies up to <paramref name="max"/> route changes a resync queued; true while more are left.</summary>
    public bool ApplyRoutes(int max = int.MaxValue) => _routes.SettleSome(max);

    private void RouteAdded(IpPrefix destination, IPAddress gateway) => Add(gateway, PeerSource.Route, [destination]);

    private void RouteRemoved(IpPrefix destination, IPAddress gateway)
    {
        if (!_peers.TryGetValue(gateway, out var entry) || !entry.RouteSubnets.Remove(destination))
        {
            return;
        }
        if (entry.RouteSubnets.Count == 0)
        {
            entry.Sources.Remove(PeerSource.Route);
        }
        Refresh(gateway, entry);
    }

    /// <summary>The kernel asked for a state towards <paramref name="destination"/> (transport mode trap policy).</summary>
    public void Acquired(IPAddress destination)
    {
        if (_settings.Mode == XfrmMode.Transport && _settings.Acquire)
        {
            Add(destination, PeerSource.Acquire, []);
        }
    }

    private void Add(IPAddress address, PeerSource source, IReadOnlyList<IpPrefix> subnets)
    {
        if (address.AddressFamily != _underlay.AddressFamily || address.Equals(_underlay))
        {
            _log($"peer {address} ignored: not an underlay address of this member's family");
            return;
        }
        bool isNew = !_peers.TryGetValue(address, out var entry);
        entry ??= new PeerEntry();
        entry.Sources.Add(source);
        foreach (var s in subnets)
        {
            (source == PeerSource.Route ? entry.RouteSubnets : entry.StaticSubnets).Add(s);
        }
        if (isNew)
        {
            _peers[address] = entry;
            _states.AddPeer(address);
            _log($"peer {address} added ({source})");
        }
        Refresh(address, entry);
    }

    /// <summary>Brings the peer's policies in line with its subnets; drops the peer when no source is left.</summary>
    private void Refresh(IPAddress address, PeerEntry entry)
    {
        List<XfrmPolicySpec> wanted = entry.Sources.Count == 0 ? [] : [.. PolicyPlan.ForPeer(_settings, _underlay, address, entry.Subnets)];
        var stale = entry.Policies.FindAll(p => !wanted.Contains(p));
        foreach (var p in wanted)
        {
            if (!entry.Policies.Contains(p))
            {
                _policies.Install(p);
                entry.Policies.Add(p);
            }
        }
        foreach (var old in stale)
        {
            entry.Policies.Remove(old);
            RemoveUnlessWanted(old.Id);
        }
        if (entry.Sources.Count == 0)
        {
            _peers.Remove(address);
            _states.RemovePeer(address);
            _log($"peer {address} removed");
        }
    }

    /// <summary>Takes a policy out of the kernel unless the base or a peer holds one under the same selector now.</summary>
    private void RemoveUnlessWanted(XfrmPolicyId id)
    {
        bool held = ReadOnlyLists.Exists(_base, p => p.Id.Equals(id));
        foreach (var entry in _peers.Values)
        {
            held |= ReadOnlyLists.Exists(entry.Policies, p => p.Id.Equals(id));
        }
        if (!held)
        {
            _policies.Remove(id);
        }
    }

    /// <summary>
    /// SIGHUP with a changed [dataplane] or [peer] section: policies and peers are re-programmed while the SA states stay,
    /// so traffic keeps flowing. A changed mode, underlay address or reqid needs a restart (false).
    /// </summary>
    public bool Reconfigure(DataPlaneSettings next)
    {
        if (next.Mode != _settings.Mode || !Equals(next.Underlay, _settings.Underlay) || next.ReqId != _settings.ReqId || next.Mark != _settings.Mark)
        {
            return false;
        }
        // Make-before-break: what is new goes in before what is gone goes out, and a policy another peer or the base now
        // holds under the same selector (a peer that moved to a new address) was replaced in place, so it stays.
        var oldStatic = _settings.Peers;
        _settings = next;
        var oldBase = _base;
        _base = [.. PolicyPlan.Base(next, _underlay)];
        foreach (var added in _base)
        {
            if (!oldBase.Contains(added))
            {
                _policies.Install(added);
            }
        }
        foreach (var peer in next.Peers)
        {
            if (_peers.TryGetValue(peer.Address, out var entry))
            {
                entry.StaticSubnets.Clear();
            }
            Add(peer.Address, PeerSource.Static, peer.Subnets);
        }
        foreach (var peer in oldStatic)
        {
            if (!ReadOnlyLists.Exists(next.Peers, n => n.Address.Equals(peer.Address)) && _peers.TryGetValue(peer.Address, out var entry))
            {
                entry.Sources.Remove(PeerSource.Static);
                entry.StaticSubnets.Clear();
                Refresh(peer.Address, entry);
            }
        }
        foreach (var gone in oldBase)
        {
            if (!_base.Contains(gone))
            {
                RemoveUnlessWanted(gone.Id);
            }
        }
        // Tunnel-mode peer policies depend on the local subnets too.
        foreach (var (address, entry) in new List<KeyValuePair<IPAddress, PeerEntry>>(_peers))
        {
            Refresh(address, entry);
        }
        _routes.Reevaluate();
        return true;
    }

    /// <summary>This member's underlay address (destination of the inbound states, source of the outbound ones).</summary>
    public IPAddress Underlay => _underlay;

    /// <summary>
    /// The underlay address changed (a new WAN address, the IKE SA moved with MOBIKE): policies and states move to it,
    /// make-before-break. The new policies go in first (UPDPOLICY replaces in place those that keep their selector, as
    /// tunnel mode's do), then the states move (<see cref="KernelDataPlane.Readdress"/>), and only then do the policies
    /// that named the old address go. No packet matching a policy ever leaves in clear: without its state it is dropped.
    /// </summary>
    public void Readdress(IPAddress underlay, MonoTime now)
    {
        if (underlay.Equals(_underlay))
        {
            return;
        }
        var before = new List<XfrmPolicySpec>(_base);
        foreach (var entry in _peers.Values)
        {
            before.AddRange(entry.Policies);
        }
        _underlay = underlay;
        _base = [.. PolicyPlan.Base(_settings, underlay)];
        var kept = new HashSet<XfrmPolicyId>();
        foreach (var p in _base)
        {
            _policies.Install(p);
            kept.Add(p.Id);
        }
        foreach (var (address, entry) in _peers)
        {
            entry.Policies.Clear();
            foreach (var p in PolicyPlan.ForPeer(_settings, underlay, address, entry.Subnets))
            {
                _policies.Install(p);
                entry.Policies.Add(p);
                kept.Add(p.Id);
            }
        }
        _states.Readdress(underlay, now);
        foreach (var p in before)
        {
            if (kept.Add(p.Id))
            {
                _policies.Remove(p.Id);
            }
        }
        _log($"underlay address now {underlay}: {_base.Count + _peers.Count} policies and the group SA states moved");
    }

    /// <summary>Stop: every policy of the agent goes (the group SA manager has removed the states).</summary>
    public void Stop()
    {
        _policies.RemoveAll();
        _states.RemoveLeftovers();
    }
}
