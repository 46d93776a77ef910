using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Mpsa.Controller.Members;
using Mpsa.Controller.State;

namespace Mpsa.Controller.Cluster;

/// <summary>
/// The members kept in etcd (<c>PREFIX/members/NAME</c>, one <see cref="MemberRecord"/> each), managed with
/// `mpsa-controller member add|remove|list|import` and read by every replica. Writes go in transactions of at most
/// <see cref="BatchSize"/> operations (etcd refuses more than 128 by default).
/// </summary>
internal sealed class EtcdMemberDirectory
{
    public const int BatchSize = 100;

    private readonly EtcdClient _etcd;
    private readonly string _members;
    private readonly StateKey _key;
    private readonly TimeSpan _timeout;
    private (long Count, long Revision)? _seen;

    public EtcdMemberDirectory(EtcdClient etcd, string prefix, StateKey key, TimeSpan timeout)
    {
        _etcd = etcd;
        _members = prefix.TrimEnd('/') + "/members/";
        _key = key;
        _timeout = timeout;
    }

    /// <summary>Every member; a record that cannot be read is left out and named in <paramref name="problems"/>.</summary>
    public List<MemberConfig> ReadAll(List<string> problems)
    {
        var range = Call(d => _etcd.GetRange(_members, deadline: d));
        var members = new List<MemberConfig>(range.Kvs.Count);
        foreach (var kv in range.Kvs)
        {
            try
            {
                members.Add(MemberRecord.Read(kv.Value.Span, _key, "etcd key " + kv.Key.ToStringUtf8()));
            }
            catch (StateException e)
            {
                problems.Add(e.Message);
            }
        }
        _seen = Fingerprint(range.Kvs.Count, range.Kvs.Count == 0 ? 0 : range.Kvs.Max(kv => kv.ModRevision));
        return members;
    }

    /// <summary>Every member when the directory changed since the last read, else null. The check reads one key: the
    /// member changed last and the count (a put raises the first, a delete lowers the second).</summary>
    public List<MemberConfig>? ReadIfChanged(List<string> problems)
    {
        var newest = Call(d => _etcd.Get(new RangeRequest
        {
            Key = ByteString.CopyFromUtf8(_members),
            RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(_members)),
            SortTarget = RangeRequest.Types.SortTarget.Mod,
            SortOrder = RangeRequest.Types.SortOrder.Descend,
            Limit = 1,
        }, deadline: d));
        var now = Fingerprint(newest.Count, newest.Kvs.Count == 0 ? 0 : newest.Kvs[0].ModRevision);
        return now == _seen ? null : ReadAll(problems);
    }

    /// <summary>Adds or replaces members; returns how many transactions it took.</summary>
    public int Put(IReadOnlyList<MemberConfig> members)
    {
        int transactions = 0;
        foreach (var batch in members.Chunk(BatchSize))
        {
            var txn = new TxnRequest();
            foreach (var m in batch)
            {
                txn.Success.Add(new RequestOp
                {
                    RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(_members + m.Name), Value = ByteString.CopyFrom(MemberRecord.Write(m, _key)) },
                });
            }
            Call(d => _etcd.Transaction(txn, deadline: d));
            transactions++;
        }
        return transactions;
    }

    /// <summary>
    /// Removes one member; false when there was none of that name. Read first: a delete tried again after etcd's answer
    /// was late (a busy cluster commits it all the same) finds nothing left, which is the member removed, not missing.
    /// </summary>
    public bool Remove(string name)
    {
        string key = _members + name;
        if (Call(d => _etcd.Get(key, deadline: d)).Count == 0)
        {
            return false;
        }
        Call(d => _etcd.Delete(key, deadline: d));
        return true;
    }

    private static (long, long) Fingerprint(long count, long revision) => (count, revision);

    private T Call<T>(Func<DateTime, T> call) => EtcdCall.WithRetry(_timeout, call);
}
