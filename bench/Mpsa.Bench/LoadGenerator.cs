using System.Diagnostics;
using System.Net;

namespace Mpsa.Bench;

/// <summary>N simulated CPEs spread over shards (one thread and one socket each); the scenarios drive it.</summary>
internal sealed class LoadGenerator : IDisposable
{
    private readonly List<LoadShard> _shards = [];

    public LoadGenerator(LoadPlan plan, int count, int shards, IPAddress bind, int firstIndex = 0)
        : this(plan, Enumerable.Range(firstIndex, count), shards, bind)
    {
    }

    /// <summary>The CPEs of the given identity indices (any set, e.g. every third).</summary>
    public LoadGenerator(LoadPlan plan, IEnumerable<int> indices, int shards, IPAddress bind)
    {
        var cpes = indices.Select(i => new SimulatedCpe(i, plan.IdentityOf(i))).ToList();
        Count = cpes.Count;
        for (int s = 0; s < shards; s++)
        {
            var shard = new LoadShard(plan, bind, cpes.Where(c => c.Index % shards == s), receiveBuffer: 8 << 20);
            shard.GroupSaReceived = (cpe, spi) => GroupSaReceived?.Invoke(cpe, spi);
            _shards.Add(shard);
        }
    }

    /// <summary>Raised on a shard's thread with the newest group SA of each MPSA_PUT a CPE received and answered.</summary>
    public event Action<SimulatedCpe, Mpsa.Ike.Wire.EspSpi>? GroupSaReceived;

    public int Count { get; }
    public int Completed => _shards.Sum(s => Volatile.Read(ref s.Completed));
    public int Failed => _shards.Sum(s => Volatile.Read(ref s.Failed));
    public int Rekeyed => _shards.Sum(s => Volatile.Read(ref s.Rekeyed));
    public int ExtraInitRounds => _shards.Sum(s => Volatile.Read(ref s.ExtraInitRounds));
    public long LastRekeyAt => _shards.Max(s => Interlocked.Read(ref s.LastRekeyAt));
    public int RepeatedRequests => _shards.Sum(s => Volatile.Read(ref s.RepeatedRequests));

    /// <summary>For every CPE rekeyed since <see cref="ResetRekey"/>: milliseconds from <paramref name="start"/> (a Stopwatch
    /// timestamp) to its new SA, read on the shards' threads.</summary>
    public List<double> RekeyDelays(long start)
    {
        var delays = new List<double>();
        foreach (var s in _shards)
        {
            var done = new ManualResetEventSlim();
            s.Post(() =>
            {
                lock (delays)
                {
                    delays.AddRange(s.Cpes.Where(c => c.RekeyedAt != 0).Select(c => (c.RekeyedAt - start) * 1000.0 / Stopwatch.Frequency));
                }
                done.Set();
            });
            done.Wait();
        }
        return delays;
    }

    /// <summary>Sets every CPE up (again), <paramref name="concurrency"/> at a time in total; returns when all are done or
    /// <paramref name="timeout"/> passed, with the elapsed time.</summary>
    public TimeSpan Connect(int concurrency, TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        foreach (var s in _shards)
        {
            var started = new ManualResetEventSlim();
            s.Connect(Math.Max(1, concurrency / _shards.Count), started);
            started.Wait();
        }
        WaitUntil(() => Completed + Failed >= Count, timeout);
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Forgets every rekey seen so far: the next MPSA_PUT with a new SPI counts as the next rekey.</summary>
    public void ResetRekey()
    {
        foreach (var s in _shards)
        {
            var done = new ManualResetEventSlim();
            s.Post(() =>
            {
                foreach (var c in s.Cpes)
                {
                    c.FirstSpi = c.LastSpi;
                    c.RekeyedAt = 0;
                }
                Volatile.Write(ref s.Rekeyed, 0);
                Interlocked.Exchange(ref s.LastRekeyAt, 0);
                done.Set();
            });
            done.Wait();
        }
    }

    /// <summary><paramref name="read"/> of every CPE, run on its shard's thread (where the CPE's fields change).</summary>
    public List<T> Collect<T>(Func<SimulatedCpe, T> read)
    {
        var values = new List<T>();
        foreach (var s in _shards)
        {
            var done = new ManualResetEventSlim();
            s.Post(() =>
            {
                values.AddRange(s.Cpes.Select(read));
                done.Set();
            });
            done.Wait();
        }
        return values;
    }

    public List<double> Latencies() => _shards.SelectMany(s => s.Latencies()).ToList();

    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(start) > timeout)
            {
                return false;
            }
            Thread.Sleep(5);
        }
        return true;
    }

    public void Dispose()
    {
        foreach (var s in _shards)
        {
            s.Dispose();
        }
    }
}
