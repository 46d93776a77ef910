namespace Mpsa.Netlink.Kernel;

/// <summary>
/// What the kernel's verify_newsa_info/verify_newpolicy_info and algorithm lookup refuse with EINVAL, checked before a
/// request so that <see cref="InMemoryKernel"/> and <see cref="Xfrm.XfrmKernel"/> refuse the same specs the same way
/// (a 6.1 kernel does not know XFRMA_SA_DIR and would not refuse a forward-direction state itself).
/// </summary>
internal static class XfrmSpecValidation
{
    /// <summary>Why the state is invalid, or null.</summary>
    public static string? Check(XfrmStateSpec s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Source is { } src && src.AddressFamily != s.Family)
        {
            return "source and destination address families differ";
        }
        if (!XfrmAlgorithms.CanInstall(s.Suite))
        {
            return $"no XFRM algorithm for {s.Suite}";
        }
        if (s.EncrKey.Length != s.Suite.EncrKeyLength || s.IntegKey.Length != s.Suite.IntegKeyLength)
        {
            return "key length does not match the algorithm";
        }
        if (s.Direction == XfrmDirection.Fwd || (s.Direction == XfrmDirection.Out && s.ReplayWindow != 0))
        {
            return "invalid SA direction or replay window for an outbound SA";
        }
        return null;
    }

    /// <summary>Why the policy is invalid, or null.</summary>
    public static string? Check(XfrmPolicySpec p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return p.Selector.Source.Family != p.Selector.Destination.Family ? "selector address families differ" : null;
    }
}
