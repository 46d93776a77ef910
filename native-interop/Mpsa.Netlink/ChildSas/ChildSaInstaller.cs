using System.Net;
using Mpsa.Ike.Exchanges;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.ChildSas;

/// <summary>
/// Puts the CHILD_SAs negotiated with IKE peers into the kernel and takes them out again, each under its own reqid
/// from [<see cref="KernelOwnership.ReqIdMin"/>, <see cref="KernelOwnership.ReqIdMax"/>], so leftovers of a crashed
/// run are found and nothing else is touched. States go in before policies: a kernel that cannot hold ESP (no esp4
/// module) refuses the first state and no policy ever sends traffic into a missing SA.
/// </summary>
internal sealed class ChildSaInstaller<TKey>(IKernel kernel, KernelOwnership ownership, Action<string> log)
    where TKey : notnull
{
    private readonly Dictionary<TKey, Installed> _installed = [];
    private readonly HashSet<uint> _usedReqIds = [];
    private uint _nextReqId = ownership.ReqIdMin;

    private sealed record Installed(uint ReqId, IReadOnlyList<XfrmStateId> States, IReadOnlyList<XfrmPolicyId> Policies)
    {
        public uint OutboundSpi { get; init; }

        /// <summary>States of CHILD_SAs a rekey replaced, by their outbound SPI, until the peer's Delete names them.</summary>
        public Dictionary<uint, (uint ReqId, IReadOnlyList<XfrmStateId> States)> Replaced { get; init; } = [];

        /// <summary>The outbound state held back until the replaced CHILD_SA is deleted (we answered the peer's rekey).</summary>
        public XfrmStateSpec? DeferredOutbound { get; init; }
    }

    public int Count => _installed.Count;

    /// <summary>Lifetimes of the states installed from now on: the kernel's soft expire (XFRM_MSG_EXPIRE, a rekey is
    /// due) and hard expire (the state goes, should the rekey never come); 0 = none.</summary>
    public (ulong SoftSeconds, ulong HardSeconds) Lifetimes { get; set; }

    /// <summary>Whether the state belongs to an installed CHILD_SA (current or replaced).</summary>
    public bool Owns(XfrmStateId id)
    {
        foreach (var i in _installed.Values)
        {
            if (Holds(i, id))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Holds(Installed i, XfrmStateId id)
    {
        if (Has(i.States, id))
        {
            return true;
        }
        foreach (var r in i.Replaced.Values)
        {
            if (Has(r.States, id))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Has<T>(IReadOnlyList<T> items, T item)
    {
        foreach (var x in items)
        {
            if (EqualityComparer<T>.Default.Equals(x, item))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The key whose CHILD_SA (current or replaced) holds the state.</summary>
    public bool TryOwnerOf(XfrmStateId id, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TKey key)
    {
        foreach (var (k, i) in _installed)
        {
            if (Holds(i, id))
            {
                key = k;
                return true;
            }
        }
        key = default;
        return false;
    }

    /// <summary>Installs <paramref name="child"/> for <paramref name="key"/> (replacing what that key had); the first refusal, or Ok.</summary>
    public KernelResult Install(TKey key, ChildSa child, IPEndPoint local, IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(child);
        Remove(key);
        if (!TryReqId(out uint reqId))
        {
            return KernelResult.Failed(28, $"install {child}", $"no free reqid in {ownership}");   // ENOSPC
        }
        return InstallWith(key, child, local, peer, reqId, deferOutbound: false);
    }

    /// <summary>Installs under <paramref name="reqId"/>, which the caller holds; <paramref name="deferOutbound"/> keeps
    /// the outbound state back (<see cref="RemovePeerDeleted"/> adds it).</summary>
    private KernelResult InstallWith(TKey key, ChildSa child, IPEndPoint local, IPEndPoint peer, uint reqId, bool deferOutbound)
    {
        var (planned, policies) = ChildSaPlan.Build(child, local, peer, reqId, Lifetimes.HardSeconds, Lifetimes.SoftSeconds);
        var states = planned;
        XfrmStateSpec? deferred = null;
        if (deferOutbound)
        {
            var kept = new List<XfrmStateSpec>();
            foreach (var s in planned)
            {
                if (s.Direction != XfrmDirection.Out)
                {
                    kept.Add(s);
                }
                else
                {
                    deferred ??= s;
                }
            }
            states = kept;
        }
        // The states in one request, then the policies in another (the kernel carries out each message whatever became
        // of the ones before it): what went in of a refused batch comes out again.
        var addedStates = new List<XfrmStateId>();
        var addedPolicies = new List<XfrmPolicyId>();
        var refused = KernelResult.Ok;
        var stateResults = kernel.AddStates(states);
        for (int i = 0; i < states.Count; i++)
        {
            if (stateResults[i].IsOk)
            {
                addedStates.Add(states[i].Id);
                log($"state {states[i]}");
            }
            else if (refused.IsOk)
            {
                refused = stateResults[i];
            }
        }
        if (refused.IsOk)
        {
            var policyResults = kernel.UpdatePolicies(policies);
            for (int i = 0; i < policies.Count; i++)
            {
                if (policyResults[i].IsOk)
                {
                    addedPolicies.Add(policies[i].Id);
                    log($"policy {policies[i]}");
                }
                else if (refused.IsOk)
                {
                    refused = policyResults[i];
                }
            }
        }
        if (!refused.IsOk)
        {
            Undo(addedStates, addedPolicies);
            return refused;
        }
        _installed[key] = new Installed(reqId, addedStates, addedPolicies) { OutboundSpi = child.OutboundSpi, DeferredOutbound = deferred };
        _usedReqIds.Add(reqId);
        return KernelResult.Ok;
    }

    /// <summary>
    /// A rekeyed CHILD_SA (RFC 7296 §2.8): the new states go in and the policies move to them; the old states stay,
    /// still receiving, until <see cref="RemovePeerDeleted"/> names them. Installs afresh when nothing was there.
    /// </summary>
    public KernelResult Rekey(TKey key, ChildSa next, IPEndPoint local, IPEndPoint peer, bool outboundAfterOldDeleted = false)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (!_installed.Remove(key, out var old))
        {
            return Install(key, next, local, peer);
        }
        // the new CHILD_SA keeps the old one's reqid, as strongSwan does: the policies' templates stay valid
        var r = InstallWith(key, next, local, peer, old.ReqId, outboundAfterOldDeleted);
        if (!r.IsOk)
        {
            _installed[key] = old;   // the old CHILD_SA stays as it was
            return r;
        }
        var now = _installed[key];
        foreach (var (spi, replaced) in old.Replaced)
        {
            now.Replaced[spi] = replaced;
        }
        now.Replaced[old.OutboundSpi] = (old.ReqId, old.States);
        // policies with the same selectors were updated in place; any other old one goes
        var gone = new List<XfrmPolicyId>();
        foreach (var policy in old.Policies)
        {
            if (!Has(now.Policies, policy) && !gone.Contains(policy))
            {
                gone.Add(policy);   // each once, as Except gives them
            }
        }
        Undo([], gone);
        return r;
    }

    /// <summary>The peer's Delete (or ours, answered) named these outbound SPIs: a replaced CHILD_SA's states go;
    /// the current one's name removes everything of <paramref name="key"/>. False when nothing matched.</summary>
    public bool RemovePeerDeleted(TKey key, IReadOnlyList<uint> peerSpis)
    {
        ArgumentNullException.ThrowIfNull(peerSpis);
        if (!_installed.TryGetValue(key, out var installed))
        {
            return false;
        }
        if (Has(peerSpis, installed.OutboundSpi))
        {
            return Remove(key);
        }
        bool any = false;
        foreach (var spi in peerSpis)
        {
            if (installed.Replaced.Remove(spi, out var replaced))
            {
                if (installed.DeferredOutbound is { } outbound)
                {
                    // the peer has the new CHILD_SA: send on it from now on, before the old states go
                    var added = kernel.AddState(outbound);
                    Report(added);
                    log($"state {outbound}");
                    installed = installed with
                    {
                        States = added.IsOk ? [.. installed.States, outbound.Id] : installed.States,
                        DeferredOutbound = null,
                    };
                    _installed[key] = installed;
                }
                ReleaseReqId(replaced.ReqId);
                Undo(replaced.States, []);
                any = true;
            }
        }
        return any;
    }

    /// <summary>
    /// The IKE SA moved (MOBIKE, RFC 4555): <paramref name="child"/>, the current CHILD_SA, goes to the new endpoints
    /// under the same SPIs and reqid. States whose key changes (ours: the destination is our new address) go in beside
    /// the old ones; a state whose key stays (the peer's: same destination, same SPI) is replaced; the policies go in
    /// before the old ones, and the old states, are taken out. Replaced CHILD_SAs' states stay until their Delete.
    /// </summary>
    public KernelResult Move(TKey key, ChildSa child, IPEndPoint local, IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (!_installed.TryGetValue(key, out var old))
        {
            return Install(key, child, local, peer);
        }
        var (states, policies) = ChildSaPlan.Build(child, local, peer, old.ReqId, Lifetimes.HardSeconds, Lifetimes.SoftSeconds);
        var added = new List<XfrmStateId>();
        KernelResult first = KernelResult.Ok;
        foreach (var s in states)
        {
            if (Has(old.States, s.Id))
            {
                Report(kernel.DeleteState(s.Id));
            }
            var r = kernel.AddState(s);
            Report(r);
            first = first.IsOk ? r : first;
            if (r.IsOk)
            {
                added.Add(s.Id);
                log($"state {s}");
            }
        }
        var installedPolicies = new List<XfrmPolicyId>();
        foreach (var p in policies)
        {
            var r = kernel.UpdatePolicy(p);
            Report(r);
            first = first.IsOk ? r : first;
            if (r.IsOk)
            {
                installedPolicies.Add(p.Id);
                log($"policy {p}");
            }
        }
        Undo(NotIn(old.States, added), NotIn(old.Policies, installedPolicies));
        _installed[key] = old with { States = added, Policies = installedPolicies, DeferredOutbound = null };
        return first;
    }

    private static List<T> NotIn<T>(IReadOnlyList<T> items, List<T> kept)
    {
        var gone = new List<T>();
        foreach (var x in items)
        {
            if (!Has(kept, x))
            {
                gone.Add(x);
            }
        }
        return gone;
    }

    /// <summary>The IKE SA the CHILD_SAs belong to was rekeyed: they are known by the new key from now on.</summary>
    public void Rename(TKey from, TKey to)
    {
        if (_installed.Remove(from, out var installed))
        {
            _installed[to] = installed;
        }
    }

    public bool Contains(TKey key) => _installed.ContainsKey(key);

    /// <summary>Takes out what <paramref name="key"/> installed; false when it had nothing.</summary>
    public bool Remove(TKey key)
    {
        if (!_installed.Remove(key, out var installed))
        {
            return false;
        }
        ReleaseReqId(installed.ReqId);
        Undo(installed.States, installed.Policies);
        foreach (var replaced in installed.Replaced.Values)
        {
            ReleaseReqId(replaced.ReqId);
            Undo(replaced.States, []);
        }
        return true;
    }

    /// <summary>A reqid is free again once no installed CHILD_SA uses it (a rekeyed one keeps its predecessor's).</summary>
    private void ReleaseReqId(uint reqId)
    {
        foreach (var i in _installed.Values)
        {
            if (i.ReqId == reqId)
            {
                return;
            }
        }
        _usedReqIds.Remove(reqId);
    }

    public void RemoveAll()
    {
        foreach (var key in new List<TKey>(_installed.Keys))
        {
            Remove(key);
        }
    }

    /// <summary>States and policies in the owned reqid range that an earlier run left; returns how many went.</summary>
    public int RemoveLeftovers()
    {
        int n = 0;
        foreach (var id in kernel.ListPolicies(ownership))
        {
            n += kernel.DeletePolicy(id).IsOk ? 1 : 0;
        }
        foreach (var id in kernel.ListStates(ownership))
        {
            n += kernel.DeleteState(id).IsOk ? 1 : 0;
        }
        return n;
    }

    private void Undo(IReadOnlyList<XfrmStateId> states, IReadOnlyList<XfrmPolicyId> policies)
    {
        // Policies first, so no packet is sent into a state that is already gone.
        foreach (var id in policies)
        {
            Report(kernel.DeletePolicy(id));
        }
        foreach (var id in states)
        {
            Report(kernel.DeleteState(id));
        }
    }

    private void Report(KernelResult r)
    {
        if (!r.IsOk && r.Status != KernelStatus.NotFound)
        {
            log(r.Message);
        }
    }

    private bool TryReqId(out uint reqId)
    {
        // Round robin from the last one given, so a reqid just freed is not at once reused.
        ulong size = (ulong)ownership.ReqIdMax - ownership.ReqIdMin + 1;
        for (ulong i = 0; i < size && (ulong)_usedReqIds.Count < size; i++)
        {
            reqId = _nextReqId;
            _nextReqId = reqId >= ownership.ReqIdMax ? ownership.ReqIdMin : reqId + 1;
            if (!_usedReqIds.Contains(reqId))
            {
                return true;
            }
        }
        reqId = 0;
        return false;
    }
}
