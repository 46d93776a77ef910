using System.Net;
using Mpsa.Hosting;

namespace Mpsa.Controller;

/// <summary>What wakes the controller's driver loop besides a deadline.</summary>
internal abstract record ControllerInput
{
    public sealed record Command(string Text, TaskCompletionSource<string> Reply) : ControllerInput
    {
        /// <summary>Cluster, `status`: the other replicas' members, read from etcd before the command reached the loop.</summary>
        public Cluster.FleetView? Fleet { get; init; }
    }

    public sealed record Reload : ControllerInput;

    /// <summary>A scrape of the metrics endpoint wants the fleet's figures.</summary>
    public sealed record MetricsWanted(TaskCompletionSource<Metrics.ControllerMetricsSnapshot> Reply) : ControllerInput;

    /// <summary>An IKE_SA_INIT key exchange computed on the crypto thread.</summary>
    public sealed record SaInitComputed(Mpsa.Ike.Exchanges.SaInitJob Job) : ControllerInput;

    /// <summary>A message from the kernel (XFRM expire), posted by its listener.</summary>
    public sealed record Kernel(Mpsa.Netlink.Kernel.KernelEvent Event) : ControllerInput;

    /// <summary>Cluster: this replica became, or stopped being, the key leader.</summary>
    public sealed record Leadership(bool Leading) : ControllerInput;

    /// <summary>Cluster: the members stored in etcd, when they changed.</summary>
    public sealed record Directory(IReadOnlyList<Members.MemberConfig> Members) : ControllerInput;

    /// <summary>Cluster: the members connected here, to be recorded in etcd.</summary>
    public sealed record FleetWanted(TaskCompletionSource<List<Cluster.FleetEntry>> Reply) : ControllerInput;

    /// <summary>Cluster: etcd cannot be read (Error), or can again (null).</summary>
    public sealed record FollowFailed(string? Error) : ControllerInput;

    /// <summary>Cluster: the groups' state as the key leader stored it in etcd (the loop disposes it).</summary>
    public sealed record ClusterState(IReadOnlyDictionary<string, State.StoredGroup> Groups) : ControllerInput;
}
