using Etcdserverpb;
using Grpc.Core;

namespace Mpsa.Controller.Cluster;

/// <summary>
/// The token etcd gives a user for its password (<c>Auth.Authenticate</c>), kept and sent with every call until etcd
/// refuses it: a simple token expires after <c>--auth-token-ttl</c> without use (5 minutes by default), and any token
/// after a change of users or roles. Then <see cref="Forget"/> it, and the next call authenticates again.
/// </summary>
internal sealed class EtcdToken(EtcdAuth auth,
    Func<AuthenticateRequest, DateTime?, CancellationToken, Task<AuthenticateResponse>> authenticate)
{
    /// <summary>The gRPC metadata etcd reads the token from.</summary>
    public const string Header = "token";

    /// <summary>The token, or the authentication under way that gets it (shared by the calls that wait for it).</summary>
    private Task<string>? _token;

    /// <summary>Longest wait for a token when the call that needs it has no deadline.</summary>
    private static readonly TimeSpan AuthenticateTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The current token, authenticating first when there is none (or the last try failed). A refused password
    /// is an <see cref="RpcException"/> with <see cref="StatusCode.Unauthenticated"/> naming the user.</summary>
    public Task<string> GetAsync(DateTime? deadline, CancellationToken cancel)
    {
        var current = Volatile.Read(ref _token);
        if (current is not { IsFaulted: false, IsCanceled: false })
        {
            // Shared by every call that waits for it, so no one call's cancellation ends it; each waits with its own.
            var fresh = AuthenticateAsync(deadline ?? DateTime.UtcNow + AuthenticateTimeout);
            var seen = Interlocked.CompareExchange(ref _token, fresh, current);
            current = seen == current ? fresh : seen ?? fresh;   // another call's, when it was first
        }
        return current.WaitAsync(cancel);
    }

    private async Task<string> AuthenticateAsync(DateTime deadline)
    {
        try
        {
            var request = new AuthenticateRequest { Name = auth.User, Password = auth.Password };
            return (await authenticate(request, deadline, CancellationToken.None).ConfigureAwait(false)).Token;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.Unauthenticated
            or StatusCode.PermissionDenied or StatusCode.FailedPrecondition)
        {
            // etcd answers a wrong password with InvalidArgument: say what it means.
            var refused = new Status(StatusCode.Unauthenticated, $"etcd user '{auth.User}': {e.Status.Detail}");
            throw new RpcException(refused);
        }
    }

    /// <summary>For a call that cannot wait asynchronously (a blocking call, the start of a stream).</summary>
    public string Get(DateTime? deadline, CancellationToken cancel) =>
        GetAsync(deadline, cancel).GetAwaiter().GetResult();

    /// <summary>Drops <paramref name="refused"/> (unless another call already replaced it).</summary>
    public void Forget(string refused)
    {
        var current = Volatile.Read(ref _token);
        if (current is { IsCompletedSuccessfully: true } && current.Result == refused)
        {
            Interlocked.CompareExchange(ref _token, null, current);
        }
    }

    /// <summary>Whether etcd refused a call for its token rather than for what it asked.</summary>
    public static bool IsRefusal(RpcException e) =>
        e.StatusCode == StatusCode.Unauthenticated
        || (e.StatusCode == StatusCode.InvalidArgument
            && e.Status.Detail.Contains("revision of auth store is old", StringComparison.Ordinal));
}
