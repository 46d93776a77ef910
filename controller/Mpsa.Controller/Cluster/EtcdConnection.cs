using dotnet_etcd;
using Grpc.Core;
using Grpc.Net.Client.Configuration;

namespace Mpsa.Controller.Cluster;

/// <summary>
/// The etcd client of a replica: every endpoint of the cluster behind one gRPC channel that spreads calls over the
/// members that answer (round robin) and tries a call again on another when a member is down or unreachable, so the
/// loss of one etcd member goes unnoticed.
/// </summary>
internal static class EtcdConnection
{
    /// <summary>The connection a replica (or a `member` command) makes from its <c>[cluster]</c> section.</summary>
    public static EtcdClient Open(ClusterSettings cluster) => Open(cluster.Etcd);

    public static EtcdClient Open(IReadOnlyList<string> endpoints) =>
        new(string.Join(",", endpoints), configureChannelOptions: options => options.ServiceConfig = new ServiceConfig
        {
            LoadBalancingConfigs = { new RoundRobinConfig() },
            MethodConfigs =
            {
                new MethodConfig
                {
                    Names = { MethodName.Default },
                    RetryPolicy = new RetryPolicy
                    {
                        MaxAttempts = 4,
                        InitialBackoff = TimeSpan.FromMilliseconds(50),
                        MaxBackoff = TimeSpan.FromMilliseconds(500),
                        BackoffMultiplier = 2,
                        RetryableStatusCodes = { StatusCode.Unavailable },
                    },
                },
            },
        });
}
