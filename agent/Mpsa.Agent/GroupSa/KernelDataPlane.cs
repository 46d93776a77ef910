using System.Net;
using Mpsa.Ike.Exchanges;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Agent.GroupSa;

/// <summary>
/// Turns group-SA steps into XFRM states (docs/ARCHITECTURE.md, the XFRM facts):
/// inbound = one state, destination the local underlay address, source any, replay window 0;
/// outbound = one state per peer address (same SPI and keys), source the local address.
/// Peers come and go (static configuration, routes, ACQUIRE): a new peer gets the outbound states of every SA this
/// member currently sends with. Every state carries the
/// agent's reqid, and the SA's LIFE as its hard lifetime: the kernel drops it then even if the agent died.
/// Kernel errors go to the log callback; nothing here throws for them.
/// </summary>
internal sealed class KernelDataPlane : IDataPlane
{
    private readonly IKernel _kernel;
    private IPAddress _local;
    private readonly List<IPAddress> _peers;
    private readonly List<SharedSa> _sending = [];
    private readonly List<SharedSa> _receiving = [];
    private readonly KernelDataPlaneOptions _options;
    private readonly Action<string>? _log;

    /// <param name="kernel">Where the states go.</param>
    /// <param name="localAddress">This member's underlay address: destination of the inbound state, source of the outbound ones.</param>
    /// <param name="peers">One outbound state per address; peers of another address family than <paramref name="localAddress"/> are skipped (logged).</param>
    /// <param name="options">reqid, mark, mode and the kernel lifetime margin.</param>
    /// <param name="log">Receives one line per failed or unusual kernel request; never key material.</param>
    public KernelDataPlane(IKernel kernel, IPAddress localAddress, IReadOnlyList<IPAddress> peers, KernelDataPlaneOptions? options = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(localAddress);
        ArgumentNullException.ThrowIfNull(peers);
        _kernel = kernel;
        _local = localAddress;
        _options = options ?? KernelDataPlaneOptions.Default;
        _log = log;
        var usable = new List<IPAddress>();
        foreach (var peer in peers)
        {
            if (peer.AddressFamily != localAddress.AddressFamily)
            {
                _log?.Invoke($"peer {peer}: address family differs from local address {localAddress}, no outbound state for it");
            }
            else if (!usable.Contains(peer))
            {
                usable.Add(peer);
            }
        }
        _peers = usable;
    }

    /// <summary>What the agent owns in the kernel (its reqid and mark).</summary>
    public KernelOwnership Ownership => KernelOwnership.Of(_options.ReqId, _options.Mark);

    public bool InstallInbound(SharedSa sa, MonoTime now)
    {
        ArgumentNullException.ThrowIfNull(sa);
        if (!Add(Inbound(sa, now)))
        {
            return false;
        }
        _receiving.Add(sa);
        return true;
    }

    public bool ActivateOutbound(SharedSa sa, MonoTime now)
    {
        ArgumentNullException.ThrowIfNull(sa);
        var added = new List<IPAddress>();
        foreach (var peer in _peers)
        {
            if (!Add(Outbound(sa, peer, now)))
            {
                foreach (var done in added)
                {
                    Delete(new XfrmStateId(done, sa.Spi));
                }
                return false;
            }
            added.Add(peer);
        }
        _sending.Add(sa);
        return true;
    }

    public void RetireOutbound(SharedSa sa)
    {
        ArgumentNullException.ThrowIfNull(sa);
        _sending.Remove(sa);
        foreach (var peer in _peers)
        {
            Delete(new XfrmStateId(peer, sa.Spi));
        }
    }

    public IReadOnlyList<IPAddress> Peers => _peers;

    /// <summary>A peer appeared: it gets an outbound state for every SA this member sends with. False if known or unusable.</summary>
    public bool AddPeer(IPAddress peer)
    {
        if (peer.AddressFamily != _local.AddressFamily || _peers.Contains(peer))
        {
            return false;
        }
        _peers.Add(peer);
        var now = _options.Clock();
        foreach (var sa in _sending)
        {
            Add(Outbound(sa, peer, now));
        }
        return true;
    }

    /// <summary>A peer went: its outbound states go.</summary>
    public bool RemovePeer(IPAddress peer)
    {
        if (!_peers.Remove(peer))
        {
            return false;
        }
        foreach (var sa in _sending)
        {
            Delete(new XfrmStateId(peer, sa.Spi));
        }
        return true;
    }

    public void RemoveInbound(SharedSa sa)
    {
        ArgumentNullException.ThrowIfNull(sa);
        _sending.Remove(sa);
        _receiving.Remove(sa);
        Delete(new XfrmStateId(_local, sa.Spi));
    }

    /// <summary>
    /// The local underlay address changed: each inbound state is added under the new destination before the old one goes
    /// (their keys differ); each outbound state, whose key (peer, SPI) stays, is replaced with one from the new source.
    /// The SA's LIFE still bounds every state.
    /// </summary>
    public void Readdress(IPAddress local, MonoTime now)
    {
        var old = _local;
        _local = local;
        foreach (var sa in _receiving)
        {
            Add(Inbound(sa, now));
        }
        foreach (var sa in _sending)
        {
            foreach (var peer in _peers)
            {
                Delete(new XfrmStateId(peer, sa.Spi));
                Add(Outbound(sa, peer, now));
            }
        }
        foreach (var sa in _receiving)
        {
            Delete(new XfrmStateId(old, sa.Spi));
        }
    }

    /// <summary>Deletes every state the agent owns (leftovers of a previous run); returns how many went.</summary>
    public int RemoveLeftovers()
    {
        int removed = 0;
        foreach (var id in _kernel.ListStates(Ownership))
        {
            if (Delete(id))
            {
                removed++;
            }
        }
        return removed;
    }

    private XfrmStateSpec Inbound(SharedSa sa, MonoTime now) => Spec(sa, null, _local, XfrmDirection.In, now);

    private XfrmStateSpec Outbound(SharedSa sa, IPAddress peer, MonoTime now) => Spec(sa, _local, peer, XfrmDirection.Out, now);

    private XfrmStateSpec Spec(SharedSa sa, IPAddress? source, IPAddress destination, XfrmDirection direction, MonoTime now) => new(
        source,
        destination,
        sa.Spi,
        _options.Mode,
        sa.Suite,
        sa.Keys.EncrKey,
        sa.Keys.IntegKey,
        ReplayWindow: 0,
        _options.ReqId,
        _options.Mark,
        HardLifetimeSeconds(sa, now),
        direction);

    /// <summary>What is left of the SA's LIFE, counted from the state's add time (now), rounded up to whole seconds.</summary>
    private static ulong HardLifetimeSeconds(SharedSa sa, MonoTime now) =>
        (ulong)Math.Max(1, Math.Ceiling((sa.HardEndsAt - now).TotalSeconds));

    /// <summary>Adds a state; one left over under the same key (a previous run, the same SPI) is overwritten.</summary>
    private bool Add(XfrmStateSpec spec)
    {
        var r = _kernel.AddState(spec);
        if (r.Status == KernelStatus.AlreadyExists)
        {
            _log?.Invoke($"state {spec.Id} already in the kernel, replacing it");
            r = _kernel.UpdateState(spec);
        }
        if (!r.IsOk)
        {
            _log?.Invoke(r.Message);
        }
        return r.IsOk;
    }

    private void Update(XfrmStateSpec spec)
    {
        var r = _kernel.UpdateState(spec);
        if (!r.IsOk)
        {
            _log?.Invoke(r.Message);
        }
    }

    private bool Delete(XfrmStateId id)
    {
        var r = _kernel.DeleteState(id);
        if (r.Status == KernelStatus.NotFound)
        {
            _log?.Invoke($"state {id} was already gone from the kernel");
        }
        else if (!r.IsOk)
        {
            _log?.Invoke(r.Message);
        }
        return r.IsOk;
    }
}
