using System.Net.Sockets;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Netlink.ChildSas;

/// <summary>
/// `esp_only`: chosen traffic between this daemon's IKE address and its IKE peers (iBGP, tcp/179, say) never travels
/// in plain text. Policies whose template names a reqid no state ever carries sit under the CHILD_SA's own policies
/// (which win by priority while a CHILD_SA is up); with none up the kernel drops such packets both ways instead of
/// sending or accepting them unprotected. Installed at start, replaced on reload, removed at stop; a crashed run's
/// guard (same reqid) is removed first.
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
        Remove();
        foreach (var id in kernel.ListPolicies(KernelOwnership.Of(reqId)))
        {
            kernel.DeletePolicy(id);
        }
        int refused = 0;
        foreach (var policy in endpoints.Distinct().SelectMany(e => Plan(e.Local, e.Peers, rules, reqId)))
        {
            var r = kernel.AddPolicy(policy);
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
        return refused;
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
        foreach (var (protocol, port) in rules.Distinct())
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
