using dotnet_etcd;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;

namespace Mpsa.Controller.Cluster;

/// <summary>
/// The etcd client of a replica: every endpoint of the cluster behind one gRPC channel that spreads calls over the
/// members that answer (round robin) and tries a call again on another when a member is down or unreachable, so the
/// loss of one etcd member goes unnoticed. Over https:// with the <see cref="EtcdTls"/> options, and with a user's
/// token on every call when <see cref="EtcdAuth"/> is set.
/// </summary>
internal static class EtcdConnection
{
    /// <summary>The connection a replica (or a `member` command) makes from its <c>[cluster]</c> section.</summary>
    public static EtcdClient Open(ClusterSettings cluster)
    {
        bool https = cluster.Etcd.Count > 0 && cluster.Etcd[0].StartsWith("https:", StringComparison.Ordinal);
        EtcdClient? client = null;
        Interceptor[] interceptors = cluster.Auth is { } auth
            // The interceptor lets the Authenticate call through bare; the client exists by the first call.
            ? [new EtcdTokenInterceptor(new EtcdToken(auth, (request, deadline, cancel) =>
                client!.AuthenticateAsync(request, deadline: deadline, cancellationToken: cancel)))]
            : [];
        client = new EtcdClient(string.Join(",", cluster.Etcd), ssl => cluster.Tls?.Configure(ssl),
            configureChannelOptions: options => Configure(options, https), interceptors: interceptors);
        return client;
    }

    /// <summary>A connection over http:// without authentication.</summary>
    public static EtcdClient Open(IReadOnlyList<string> endpoints) =>
        Open(new ClusterSettings(endpoints, "", TimeSpan.Zero, ""));

    private static void Configure(GrpcChannelOptions options, bool https)
    {
        options.Credentials = https ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        options.ServiceConfig = new ServiceConfig
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
        };
    }
}
