using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Mpsa.Controller.State;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller.Cluster;

/// <summary>
/// The groups' key state in etcd, for a cluster of replicas: one key per group (<c>PREFIX/groups/NAME</c>) holding the
/// same sealed document as the standalone state file (<see cref="StateEnvelope"/> under the state key, so etcd holds no
/// key in plain text). Only the key leader writes, and only while it holds the leader key under its lease (a
/// transaction guarded by <see cref="KeyLeadership.LeaderGuard"/>); every replica reads.
/// </summary>
internal sealed class EtcdGroupStore : IGroupStateStore
{
    private readonly EtcdClient _etcd;
    private readonly string _groups;
    private readonly StateKey _key;
    private readonly KeyLeadership _leadership;
    private readonly TimeSpan _timeout;
    private readonly Func<long> _wallClockMs;
    private long? _lastRevision;

    public EtcdGroupStore(EtcdClient etcd, string prefix, StateKey key, KeyLeadership leadership, TimeSpan timeout, Func<long>? wallClockMs = null)
    {
        _etcd = etcd;
        _groups = prefix.TrimEnd('/') + "/groups/";
        _key = key;
        _leadership = leadership;
        _timeout = timeout;
        _wallClockMs = wallClockMs ?? (static () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    public IReadOnlyDictionary<string, StoredGroup> Restored { get; private set; } = new Dictionary<string, StoredGroup>();

    public bool CanWrite => _leadership.IsLeader;

    public bool MustStoreBeforePush => true;

    /// <summary>Reads every group's state into <see cref="Restored"/> (at start; the groups read before are disposed);
    /// throws <see cref="StateException"/>.</summary>
    public IReadOnlyDictionary<string, StoredGroup> Restore(MonoTime now)
    {
        var groups = Read(now, ifChangedSince: null) ?? [];
        foreach (var g in Restored.Values)
        {
            g.Dispose();
        }
        Restored = groups;
        return groups;
    }

    /// <summary>Every group's state when etcd changed since the last read (the caller disposes it), else null: a
    /// replica that follows the leader decrypts only what is new.</summary>
    public Dictionary<string, StoredGroup>? ReadIfChanged(MonoTime now) => Read(now, _lastRevision);

    private Dictionary<string, StoredGroup>? Read(MonoTime now, long? ifChangedSince)
    {
        var range = Call(d => _etcd.GetRange(_groups, deadline: d));
        if (range.Header.Revision == ifChangedSince)
        {
            return null;
        }
        _lastRevision = range.Header.Revision;
        var groups = new Dictionary<string, StoredGroup>(StringComparer.Ordinal);
        foreach (var kv in range.Kvs)
        {
            string where = "etcd key " + kv.Key.ToStringUtf8();
            byte[] document = StateEnvelope.Open(kv.Value.Span, _key, where);
            try
            {
                foreach (var (name, group) in StateDocument.Read(document, _wallClockMs() - now.Milliseconds, where))
                {
                    groups[name] = group;
                }
            }
            finally
            {
                Array.Clear(document);
            }
        }
        return groups;
    }

    public void Save(IReadOnlyList<StoredGroup> groups, MonoTime now)
    {
        if (!_leadership.IsLeader)
        {
            throw new StateException("etcd: this replica is not the key leader");
        }
        long wall = _wallClockMs();
        var txn = new TxnRequest();
        txn.Compare.Add(_leadership.LeaderGuard);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in groups)
        {
            kept.Add(_groups + g.Name);
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(_groups + g.Name), Value = Seal(g, now, wall) } });
        }
        foreach (var kv in Call(d => _etcd.GetRange(_groups, deadline: d)).Kvs)
        {
            if (!kept.Contains(kv.Key.ToStringUtf8()))
            {
                txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = kv.Key } });
            }
        }
        if (!Call(d => _etcd.Transaction(txn, deadline: d)).Succeeded)
        {
            throw new StateException("etcd: not written, this replica no longer holds the key leader's lease");
        }
    }

    private ByteString Seal(StoredGroup group, MonoTime now, long wall)
    {
        var document = StateDocument.Write([group], wall - now.Milliseconds, wall);
        try
        {
            return ByteString.CopyFrom(StateEnvelope.Seal(document.WrittenSpan, _key));
        }
        finally
        {
            document.Clear();
        }
    }

    /// <summary>A call with retries until the store's timeout (a member down, an etcd election under way).</summary>
    private T Call<T>(Func<DateTime, T> call)
    {
        var until = DateTime.UtcNow + _timeout;
        while (true)
        {
            try
            {
                return call(Min(until, DateTime.UtcNow + (_timeout / 4)));
            }
            // A deadline that ends inside the channel's own retries surfaces as a cancellation, not as an RpcException.
            catch (Exception e) when ((e is OperationCanceledException || (e is RpcException r && Retryable(r)))
                && DateTime.UtcNow < until)
            {
                Thread.Sleep(50);
            }
            catch (RpcException e)
            {
                string detail = e.Status.Detail.Length > 0 ? $" ({e.Status.Detail})" : "";
                throw new StateException($"etcd unavailable: {e.Status.StatusCode}{detail}", e);
            }
            catch (OperationCanceledException e)
            {
                throw new StateException($"etcd unavailable: no answer within {_timeout.TotalSeconds:0} s", e);
            }
        }
    }

    /// <summary>A member down or an election under way. A member that ran out of the call's deadline itself (waiting for
    /// a Raft leader) answers Unknown "context deadline exceeded": that call, too, may succeed on the next try.</summary>
    private static bool Retryable(RpcException e) => e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        || (e.StatusCode == StatusCode.Unknown && e.Status.Detail.Contains("deadline exceeded", StringComparison.Ordinal));

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
