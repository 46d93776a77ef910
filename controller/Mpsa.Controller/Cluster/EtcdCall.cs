using Grpc.Core;
using Mpsa.Controller.State;

namespace Mpsa.Controller.Cluster;

/// <summary>One etcd call, tried again until a timeout while etcd is briefly unavailable (a member down, an election
/// under way); then a <see cref="StateException"/> that says so.</summary>
internal static class EtcdCall
{
    public static T WithRetry<T>(TimeSpan timeout, Func<DateTime, T> call)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return call(Min(until, DateTime.UtcNow + (timeout / 4)));
            }
            // A deadline that ends inside the channel's own retries surfaces as a cancellation, not as an RpcException.
            catch (Exception e) when ((e is OperationCanceledException || (e is RpcException r && Retryable(r))) && DateTime.UtcNow < until)
            {
                Thread.Sleep(50);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                throw new StateException($"etcd refused access: {e.Status.Detail}", e);
            }
            catch (RpcException e)
            {
                string detail = e.Status.Detail.Length > 0 ? $" ({e.Status.Detail})" : "";
                throw new StateException($"etcd unavailable: {e.Status.StatusCode}{detail}", e);
            }
            catch (OperationCanceledException e)
            {
                throw new StateException($"etcd unavailable: no answer within {timeout.TotalSeconds:0} s", e);
            }
        }
    }

    /// <summary>A member down or an election under way. A member that ran out of the call's deadline itself (waiting for
    /// a Raft leader) answers Unknown "context deadline exceeded": that call, too, may succeed on the next try.</summary>
    private static bool Retryable(RpcException e) => e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        || (e.StatusCode == StatusCode.Unknown && e.Status.Detail.Contains("deadline exceeded", StringComparison.Ordinal));

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
