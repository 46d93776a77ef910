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
            catch (Exception e) when (e is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded } or OperationCanceledException
                && DateTime.UtcNow < until)
            {
                Thread.Sleep(50);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                throw new StateException($"etcd refused access: {e.Status.Detail}", e);
            }
            catch (RpcException e)
            {
                throw new StateException($"etcd unavailable: {e.Status.StatusCode} ({e.Status.Detail})", e);
            }
            catch (OperationCanceledException e)
            {
                throw new StateException($"etcd unavailable: no answer within {timeout.TotalSeconds:0} s", e);
            }
        }
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
