using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Mpsa.Controller.Cluster;

/// <summary>
/// Which replica is the key leader (the one that makes group SAs and decides when to rekey): the holder of one etcd key
/// attached to its lease. The key is created only where it does not exist (a transaction on its create revision), so
/// one replica holds it; when that replica dies its lease ends after the TTL, etcd deletes the key, and the next
/// replica to try takes it. A replica that cannot keep its lease alive stops calling itself leader at once; writes
/// made as leader are guarded by the same lease (<see cref="LeaderGuard"/>), so a replica that only believes it leads
/// cannot write.
/// </summary>
internal sealed class KeyLeadership : IDisposable
{
    private readonly EtcdClient _etcd;
    private readonly ByteString _key;
    private readonly string _name;
    private readonly TimeSpan _ttl;
    private readonly CancellationTokenSource _stop = new();
    private long _lease;
    private volatile bool _isLeader;

    public KeyLeadership(EtcdClient etcd, string key, string name, TimeSpan ttl)
    {
        _etcd = etcd;
        _key = ByteString.CopyFromUtf8(key);
        _name = name;
        _ttl = ttl;
    }

    public bool IsLeader => _isLeader;

    /// <summary>The lease the leader key is held under while this replica leads (0 before it has one).</summary>
    public long Lease => Interlocked.Read(ref _lease);

    /// <summary>Told true on becoming leader and false on losing it (on the campaign's task).</summary>
    public event Action<bool>? Changed;

    /// <summary>The condition under which a write is the leader's: the leader key exists under this replica's lease.</summary>
    public Compare LeaderGuard => new()
    {
        Key = _key,
        Target = Compare.Types.CompareTarget.Lease,
        Result = Compare.Types.CompareResult.Equal,
        Lease = Lease,
    };

    /// <summary>Campaigns until disposed: a lease of the TTL kept alive, and a try for the key every third of the TTL.</summary>
    public async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(token);
            try
            {
                var grant = await _etcd.LeaseGrantAsync(new LeaseGrantRequest { TTL = (long)_ttl.TotalSeconds }, cancellationToken: token)
                    .ConfigureAwait(false);
                Interlocked.Exchange(ref _lease, grant.ID);
                var keepAlive = KeepAliveAsync(grant.ID, leaseLost);
                while (!leaseLost.IsCancellationRequested)
                {
                    SetLeader(await TryTakeAsync(grant.ID, leaseLost.Token).ConfigureAwait(false));
                    await Task.Delay(_ttl / 3, leaseLost.Token).ConfigureAwait(false);
                }
                await keepAlive.ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
                SetLeader(false);
                if (!token.IsCancellationRequested)
                {
                    await Task.Delay(_ttl / 3, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        SetLeader(false);
    }

    private async Task<bool> TryTakeAsync(long lease, CancellationToken token)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare
        {
            Key = _key,
            Target = Compare.Types.CompareTarget.Create,
            Result = Compare.Types.CompareResult.Equal,
            CreateRevision = 0,
        });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = _key, Value = ByteString.CopyFromUtf8(_name), Lease = lease } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = _key } });
        var answer = await _etcd.TransactionAsync(txn, cancellationToken: token).ConfigureAwait(false);
        return answer.Succeeded || answer.Responses[0].ResponseRange.Kvs is [var held] && held.Lease == lease;
    }

    /// <summary>Keeps the lease alive; cancels <paramref name="lost"/> once it is gone, or when no keep-alive got through
    /// for most of the TTL (etcd unreachable, no quorum): then another replica may take over soon, so this one stops leading.</summary>
    private async Task KeepAliveAsync(long lease, CancellationTokenSource lost)
    {
        var renewed = DateTime.UtcNow;
        while (!lost.IsCancellationRequested)
        {
            long ttl = -1;
            try
            {
                using var answered = CancellationTokenSource.CreateLinkedTokenSource(lost.Token);
                answered.CancelAfter(_ttl / 4);
                // One keep-alive on the stream, answered with the lease's new TTL (0: the lease is gone).
                await _etcd.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = lease }, r => ttl = r.TTL, answered.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
            }
            if (ttl == 0 || (ttl < 0 && DateTime.UtcNow - renewed > _ttl * 3 / 4))
            {
                break;
            }
            if (ttl > 0)
            {
                renewed = DateTime.UtcNow;
            }
            try
            {
                await Task.Delay(ttl > 0 ? _ttl / 3 : _ttl / 10, lost.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        SetLeader(false);
        await lost.CancelAsync().ConfigureAwait(false);
    }

    private void SetLeader(bool leader)
    {
        if (_isLeader != leader)
        {
            _isLeader = leader;
            Changed?.Invoke(leader);
        }
    }

    /// <summary>Stops campaigning and keeping the lease alive (the lease then ends after its TTL).</summary>
    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
        }
    }
}
