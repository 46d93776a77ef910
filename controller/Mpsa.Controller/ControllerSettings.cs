using System.Net;
using Mpsa.Controller.Groups;
using Mpsa.Controller.Members;
using Mpsa.Ike.Certificates;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller;

/// <summary>Everything the engine needs from the configuration file.</summary>
internal sealed record ControllerSettings(
    string Identity,
    IReadOnlyList<IPEndPoint> Listen,
    IReadOnlyList<IkeSuite> IkeProposals,
    IReadOnlyList<EspSuite> ChildProposals,
    IReadOnlyDictionary<string, GroupConfig> Groups,
    IReadOnlyList<MemberConfig> Members,
    string ControlSocket,
    string LogLevel,
    int CookieThreshold,
    bool InstallChildSa = true)
{
    /// <summary>Bounds on IKE SAs, message size and payloads (the max_* keys).</summary>
    public ResponderLimits Limits { get; init; } = ResponderLimits.Default;

    /// <summary>fragment_size: largest IP datagram of a protected IKE message before it goes in fragments (RFC 7383).</summary>
    public int FragmentSize { get; init; } = 1280;

    /// <summary>mobike: answer a member's MOBIKE_SUPPORTED and let it move its IKE SA (RFC 4555); default yes.</summary>
    public bool Mobike { get; init; } = true;

    /// <summary>key_share_reuse: how long one X25519 key share answers IKE_SA_INIT (RFC 7296 §2.12; retired sooner when
    /// an IKE SA made with it ends, <see cref="KeyShareReuse"/>); zero: a fresh one for every IKE SA.</summary>
    public TimeSpan KeyShareReuse { get; init; } = DefaultKeyShareReuse;

    public static readonly TimeSpan DefaultKeyShareReuse = TimeSpan.FromSeconds(60);

    /// <summary>Received datagrams waiting for the driver loop; more are dropped (a flood cannot grow memory).</summary>
    public int MaxQueuedDatagrams { get; init; } = 32768;

    /// <summary>When the controller rekeys each member's IKE SA and CHILD_SA (ike_lifetime, child_lifetime, rekey_jitter).</summary>
    public RekeyPolicy Rekey { get; init; } = RekeyPolicy.Default;

    /// <summary>How log lines are written: text, json or systemd (<see cref="ControllerLogging"/>).</summary>
    public string LogFormat { get; init; } = "text";

    /// <summary>The Prometheus endpoint (metrics_listen); null: no metrics endpoint.</summary>
    public IPEndPoint? MetricsListen { get; init; }

    /// <summary>Port 4500 beside each listen address on port 500 (<c>natt</c>, default yes): an initiator that finds a NAT
    /// moves there (RFC 7296 §2.23). Not fatal when it cannot be bound: a warning, and members behind NAT cannot connect.</summary>
    public IReadOnlyList<IPEndPoint> NatTraversalListen { get; init; } = [];

    /// <summary>Traffic with members that never goes or comes outside their CHILD_SAs (<c>esp_only</c>, e.g. tcp/179 for iBGP).</summary>
    public IReadOnlyList<(System.Net.Sockets.ProtocolType Protocol, ushort Port)> EspOnly { get; init; } = [];

    /// <summary>Where the groups' SAs are kept across restarts (<c>state_dir</c>, default /var/lib/mpsa).</summary>
    public string StateDirectory { get; init; } = State.GroupStateStore.DefaultDirectory;

    /// <summary>The key that seals the state file (<c>state_key</c>, default STATE_DIR/state.key; made on first start).</summary>
    public string StateKeyFile { get; init; } = State.GroupStateStore.DefaultKeyPath(State.GroupStateStore.DefaultDirectory);

    /// <summary>The <c>[cluster]</c> section: the groups' SAs in etcd, one key leader among the replicas; null: standalone.</summary>
    public Cluster.ClusterSettings? Cluster { get; init; }

    /// <summary>Our certificate and the CAs (and CRLs) of certificate members; null when every member has a PSK.</summary>
    public CertificateAuth? Certificates { get; init; }
}
