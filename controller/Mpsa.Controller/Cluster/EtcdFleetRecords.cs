using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Mpsa.Controller.State;

namespace Mpsa.Controller.Cluster;

/// <summary>
/// Which members each replica serves and what they acknowledged, in etcd (<c>PREFIX/fleet/REPLICA/MEMBER</c>), each key
/// under the replica's lease, so a replica that dies takes its records with it after the lease TTL. A replica writes
/// only what changed since its last write; after a failed write, or under a new lease, it writes everything again and
/// deletes what is no longer true.
/// </summary>
internal sealed class EtcdFleetRecords
{
    private readonly EtcdClient _etcd;
    private readonly string _fleet;
    private readonly string _mine;
    private readonly TimeSpan _timeout;
    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);
    private long _writtenUnder;   // the lease of _written; 0: nothing known to be in etcd, write everything

    public EtcdFleetRecords(EtcdClient etcd, string prefix, string replica, TimeSpan timeout)
    {
        _etcd = etcd;
        _fleet = prefix.TrimEnd('/') + "/fleet/";
        _mine = _fleet + replica + "/";
        _timeout = timeout;
    }

    /// <summary>Records this replica's members (throws <see cref="StateException"/>; the next call starts over).</summary>
    public void Write(IReadOnlyList<FleetEntry> entries, long lease)
    {
        var now = entries.ToDictionary(e => e.Member, e => JsonSerializer.Serialize(e, FleetEntryJson.Default.FleetEntry), StringComparer.Ordinal);
        var ops = new List<RequestOp>();
        if (_writtenUnder != lease)
        {
            _written.Clear();
            foreach (var kv in Call(d => _etcd.GetRange(_mine, deadline: d)).Kvs)
            {
                string member = kv.Key.ToStringUtf8()[_mine.Length..];
                _written[member] = kv.Lease == lease ? kv.Value.ToStringUtf8() : "";   // under an old lease: write again
            }
        }
        foreach (var (member, json) in now)
        {
            if (!_written.TryGetValue(member, out var before) || before != json)
            {
                ops.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(_mine + member), Value = ByteString.CopyFromUtf8(json), Lease = lease } });
            }
        }
        foreach (var member in _written.Keys.Where(m => !now.ContainsKey(m)))
        {
            ops.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(_mine + member) } });
        }
        _writtenUnder = 0;
        foreach (var batch in ops.Chunk(EtcdMemberDirectory.BatchSize))
        {
            var txn = new TxnRequest();
            txn.Success.AddRange(batch);
            Call(d => _etcd.Transaction(txn, deadline: d));
        }
        _written.Clear();
        foreach (var (member, json) in now)
        {
            _written[member] = json;
        }
        _writtenUnder = lease;
    }

    /// <summary>Every replica's records.</summary>
    public List<FleetEntry> ReadAll()
    {
        var entries = new List<FleetEntry>();
        foreach (var kv in Call(d => _etcd.GetRange(_fleet, deadline: d)).Kvs)
        {
            try
            {
                if (JsonSerializer.Deserialize(kv.Value.Span, FleetEntryJson.Default.FleetEntry) is { } e)
                {
                    entries.Add(e);
                }
            }
            catch (JsonException)
            {
                // not a record of ours: left out of status
            }
        }
        return entries;
    }

    private T Call<T>(Func<DateTime, T> call) => EtcdCall.WithRetry(_timeout, call);
}
