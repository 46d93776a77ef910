using System.Net.Sockets;
using Mpsa.Ike.Exchanges;
using Mpsa.Netlink.Core;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Controller.Members;

/// <summary>
/// A kernel without ESP for an address family (no esp4 or esp6) refuses every CHILD_SA of that family with
/// EPROTONOSUPPORT, and each refused state still costs it a teardown on a worker thread with an RCU grace period.
/// After such a refusal, that family's CHILD_SAs are not offered to the kernel for <see cref="Interval"/>; the first
/// one after it asks again, so loading the module later is noticed within a minute.
/// </summary>
internal sealed class NoEspHoldOff
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private MonoTime? _ipv4Until;
    private MonoTime? _ipv6Until;

    /// <summary>True while the kernel is not asked for CHILD_SAs of <paramref name="family"/>.</summary>
    public bool Holds(AddressFamily family, MonoTime now) => Until(family) is { } until && now < until;

    /// <summary>What the kernel answered an install of <paramref name="family"/>: <see cref="Change.Started"/> when
    /// it has no ESP for it (again), <see cref="Change.Ended"/> when it took one after a hold-off.</summary>
    public Change Saw(KernelResult result, AddressFamily family, MonoTime now)
    {
        var until = Until(family);
        if (result.Errno == Errno.EPROTONOSUPPORT)
        {
            Set(family, now + Interval);
            return until is null ? Change.Started : Change.Again;
        }
        if (result.IsOk && until is not null)
        {
            Set(family, null);
            return Change.Ended;
        }
        return Change.None;
    }

    public enum Change { None, Started, Again, Ended }

    private MonoTime? Until(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? _ipv6Until : _ipv4Until;

    private void Set(AddressFamily family, MonoTime? until)
    {
        if (family == AddressFamily.InterNetworkV6)
        {
            _ipv6Until = until;
        }
        else
        {
            _ipv4Until = until;
        }
    }
}
