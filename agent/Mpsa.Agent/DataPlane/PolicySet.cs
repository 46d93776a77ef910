using Mpsa.Netlink.Kernel;

namespace Mpsa.Agent.DataPlane;

/// <summary>The policies the agent has put in the kernel, so it can take exactly those out again.</summary>
internal sealed class PolicySet(IKernel kernel, KernelOwnership ownership, Action<string> log)
{
    private readonly Dictionary<XfrmPolicyId, XfrmPolicySpec> _installed = [];

    public int Count => _installed.Count;

    /// <summary>Adds or replaces (UPDPOLICY), so a leftover under the same key is taken over.</summary>
    public void Install(XfrmPolicySpec policy)
    {
        var r = kernel.UpdatePolicy(policy);
        if (r.IsOk)
        {
            _installed[policy.Id] = policy;
            log($"policy {policy}");
        }
        else
        {
            log(r.Message);
        }
    }

    public void Remove(XfrmPolicyId id)
    {
        _installed.Remove(id);
        var r = kernel.DeletePolicy(id);
        if (!r.IsOk && r.Status != KernelStatus.NotFound)
        {
            log(r.Message);
        }
    }

    public void RemoveAll()
    {
        foreach (var id in new List<XfrmPolicyId>(_installed.Keys))
        {
            Remove(id);
        }
    }

    /// <summary>Policies carrying the agent's reqid/mark that an earlier run left (a crash); returns how many went.</summary>
    public int RemoveLeftovers()
    {
        int n = 0;
        foreach (var id in kernel.ListPolicies(ownership))
        {
            if (kernel.DeletePolicy(id).IsOk)
            {
                n++;
            }
        }
        return n;
    }
}
