using System.Net.Sockets;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.ChildSas;

/// <summary>
/// `esp_only`: chosen traffic between this daemon's IKE address and its IKE peers (iBGP, tcp/179, say) never travels
/// in plain text. Policies whose template names a reqid no state ever carries sit under the CHILD_SA's own policies
/// (which win by priority while a CHILD_SA is up); with none up the kernel drops such packets both ways instead of
/// sending or accepting them unprotected. Installed at start and replaced on reload (a former run's guard, same reqid,
/// goes first). It stays when the daemon stops: a restart, an upgrade or a stopped daemon never lets the traffic out in
/// plain text. Removing esp_only from the file and starting (or reloading) the daemon once takes it away.
/// </summary>
internal sealed class EspOnlyGuard(IKernel kernel, uint reqId, Action<string> log)
{
    /// <summary>Between the CHILD_SA's policies (<see cref="ChildSaPlan.Priority"/>) and the group SA's (1000 and up).</summary>
    public const uint Priority = 900;

    private readonly List<XfrmPolicyId> _installed = [];

    public uint ReqId => reqId;

    /// <summary>Replaces the guard: policies for each (protocol, port) between each local prefix and its peers
    /// (port 0: the whole protocol). Returns how many the kernel refused (each logged).</summary>
    public int Install(IEnumerable<(IpPrefix Local, IpPrefix Peers)> endpoints, IReadOnlyList<(ProtocolType Protocol, ushort Port)> rules)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(rules);
        var wanted = new List<XfrmPolicySpec>();
        foreach (var (local, peers) in Distinct(endpoints))
        {
            wanted.AddRange(Plan(local, peers, rules, reqId));
        }
        var wantedIds = new HashSet<XfrmPolicyId>();
        foreach (var policy in wanted)
        {
            wantedIds.Add(policy.Id);
        }
        // Replaced in place (XFRM_MSG_UPDPOLICY creates or replaces): a restart leaves no moment without the guard.
        int refused = 0;
        _installed.Clear();
        foreach (var policy in wanted)
        {
            var r = kernel.UpdatePolicy(policy);
            if (r.IsOk)
            {
                _installed.Add(policy.Id);
                log($"esp_only guard: {policy}");
            }
            else
            {
                refused++;
                log($"esp_only guard not installed: {r.Message}");
            }
        }
        foreach (var id in kernel.ListPolicies(KernelOwnership.Of(reqId)))
        {
            if (!wantedIds.Contains(id))
            {
                kernel.DeletePolicy(id);
            }
        }
        return refused;
    }

    /// <summary>Each item once, in the order of its first occurrence.</summary>
    private static List<T> Distinct<T>(IEnumerable<T> items)
    {
        var seen = new HashSet<T>();
        var distinct = new List<T>();
        foreach (var item in items)
        {
            if (seen.Add(item))
            {
                distinct.Add(item);
            }
        }
        return distinct;
    }

    public void Remove()
    {
        foreach (var id in _installed)
        {
            kernel.DeletePolicy(id);
        }
        _installed.Clear();
    }

    public static IEnumerable<XfrmPolicySpec> Plan(IpPrefix local, IpPrefix peers, IReadOnlyList<(ProtocolType Protocol, ushort Port)> rules, uint reqId)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var template = new XfrmTemplate(null, null, reqId, XfrmMode.Transport);
        foreach (var (protocol, port) in Distinct(rules))
        {
            if (port == 0)
            {
                yield return new XfrmPolicySpec(new XfrmSelector(local, peers, protocol), XfrmDirection.Out, template, Priority);
                yield return new XfrmPolicySpec(new XfrmSelector(peers, local, protocol), XfrmDirection.In, template, Priority);
                continue;
            }
            // Either side may be the one that listens on the port.
            yield return new XfrmPolicySpec(new XfrmSelector(local, peers, protocol, DestinationPort: port), XfrmDirection.Out, template, Priority);
            yield return new XfrmPolicySpec(new XfrmSelector(local, peers, protocol, SourcePort: port), XfrmDirection.Out, template, Priority);
            yield return new XfrmPolicySpec(new XfrmSelector(peers, local, protocol, SourcePort: port), XfrmDirection.In, template, Priority);
            yield return new XfrmPolicySpec(new XfrmSelector(peers, local, protocol, DestinationPort: port), XfrmDirection.In, template, Priority);
        }
    }
}
