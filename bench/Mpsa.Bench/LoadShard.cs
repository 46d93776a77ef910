using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Mpsa.Hosting;
using Mpsa.Sockets;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Validation;
using Mpsa.Ike.Wire;

namespace Mpsa.Bench;

/// <summary>
/// One thread and one UDP socket driving a share of the simulated CPEs: it starts setups while fewer than its
/// concurrency are in flight, feeds every datagram to the initiator its SPIi names, and runs their timers.
/// The coordinator talks to it only through <see cref="Post"/> and the counters.
/// </summary>
internal sealed class LoadShard : IDisposable
{
    private const int SweepMilliseconds = 50;   // the timers of setups under way (retransmissions)
    private const int FullSweepMilliseconds = 1000;   // and of every IKE SA (liveness checks, rekeys)
    private const int ReceiveSlots = 32;

    private readonly LoadPlan _plan;
    private readonly UdpEndpoint _endpoint;   // recvmmsg / sendmmsg: the generator's kernel entries share its core with what it measures
    private readonly SocketPoll _poll;
    // One X25519 key share for the shard's IKE SAs (RFC 7296 §2.12): the generator stands for thousands of CPEs, and the
    // responder's work does not depend on whose value it gets.
    private readonly KeyShareReuse _keyShares = new(TimeSpan.FromMinutes(10), BufferedRandom.Instance);
    private readonly List<SimulatedCpe> _cpes;
    private readonly List<SimulatedCpe> _underWay = [];   // started, not yet done
    private readonly Dictionary<ulong, SimulatedCpe> _bySpiI = [];
    private readonly ConcurrentQueue<Action> _commands = new();
    private readonly List<double> _latencies = [];
    private readonly Thread _thread;
    private volatile bool _stop;
    private int _concurrency;
    private int _next;
    private int _inFlight;
    private long _lastSweep;
    private long _lastFullSweep;

    public LoadShard(LoadPlan plan, IPAddress bind, IEnumerable<SimulatedCpe> cpes, int receiveBuffer)
    {
        _plan = plan;
        _cpes = cpes.ToList();
        _endpoint = new UdpEndpoint(new IPEndPoint(bind, 0), natTraversal: false, receiveSlots: ReceiveSlots);
        // SO_RCVBUFFORCE where permitted (root): a 10,000-member fan-out arrives at once.
        _endpoint.RequestReceiveBuffer(receiveBuffer);
        _poll = new SocketPoll([_endpoint.Socket]);
        _thread = new Thread(Run) { IsBackground = true, Name = $"shard {_endpoint.LocalEndPoint.Port}" };
        _thread.Start();
    }

    public int Count => _cpes.Count;
    public int Completed;
    public int Failed;
    public int Rekeyed;
    public int ExtraInitRounds;
    public long LastRekeyAt;

    /// <summary>Called on the shard's thread with the newest group SA of each MPSA_PUT a CPE received and
    /// answered.</summary>
    public Action<SimulatedCpe, EspSpi>? GroupSaReceived { get; set; }
    /// <summary>Requests from the controller seen again (its retransmissions: the first copy or our answer was lost or late).</summary>
    public int RepeatedRequests;

    /// <summary>Runs <paramref name="action"/> on the shard's thread.</summary>
    public void Post(Action action)
    {
        _commands.Enqueue(action);
        _poll.Wake();
    }

    /// <summary>Starts (or restarts) every CPE of the shard, at most <paramref name="concurrency"/> setups at a time.</summary>
    public void Connect(int concurrency, ManualResetEventSlim reset) => Post(() =>
    {
        Volatile.Write(ref Completed, 0);
        Volatile.Write(ref Failed, 0);
        Volatile.Write(ref ExtraInitRounds, 0);
        lock (_latencies)
        {
            _latencies.Clear();
        }
        foreach (var c in _cpes)
        {
            Forget(c);
            c.Done = false;
            c.FirstSpi = c.LastSpi = null;
            c.RekeyedAt = 0;
            c.ExtraInitRounds = 0;
            c.LastRequestId = null;
        }
        _concurrency = concurrency;
        _next = 0;
        _inFlight = 0;
        _underWay.Clear();
        reset.Set();
        Refill();
    });

    public List<double> Latencies()
    {
        lock (_latencies)
        {
            return [.. _latencies];
        }
    }

    public IEnumerable<SimulatedCpe> Cpes => _cpes;

    private static MonoTime Now => new(Environment.TickCount64);

    private void Run()
    {
        DatagramHandler received = (datagram, from) => OnDatagram(datagram.Span, from);
        while (!_stop)
        {
            while (_commands.TryDequeue(out var command))
            {
                command();
            }
            _endpoint.Flush();
            _poll.Wait(SweepMilliseconds);
            if (_poll.HasInput(0))
            {
                _endpoint.ReceiveWaiting(received, 512);
            }
            long tick = Environment.TickCount64;
            if (tick - _lastFullSweep >= FullSweepMilliseconds)
            {
                _lastFullSweep = _lastSweep = tick;
                Sweep(_cpes);
            }
            else if (tick - _lastSweep >= SweepMilliseconds)
            {
                _lastSweep = tick;
                Sweep(_underWay);
            }
            _endpoint.Flush();
        }
    }

    private void OnDatagram(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        if (!IkeHeader.TryPeek(datagram, out var h) || !_bySpiI.TryGetValue(h.SpiI.Value, out var cpe) || cpe.Ike is not { } ike)
        {
            return;
        }
        if (!h.IsResponse)
        {
            if (cpe.LastRequestId is { } last && h.MessageId <= last)
            {
                Interlocked.Increment(ref RepeatedRequests);
            }
            else
            {
                cpe.LastRequestId = h.MessageId;
            }
        }
        var before = ike.Phase;
        var step = ike.Receive(datagram, from, Now);
        if (before == InitiatorPhase.IkeSaInit && ike.Phase == InitiatorPhase.IkeSaInit && step.Send.Count > 0)
        {
            cpe.ExtraInitRounds++;
            Interlocked.Increment(ref ExtraInitRounds);
        }
        Apply(cpe, step);
    }

    private static int _failureReported;

    /// <summary>Runs the timers due among <paramref name="cpes"/>: walked from the end, so a setup that finishes (and
    /// leaves <see cref="_underWay"/> from the index just visited) or one that starts (and joins it at the end) disturbs
    /// no index still to come.</summary>
    private void Sweep(List<SimulatedCpe> cpes)
    {
        var now = Now;
        for (int i = cpes.Count - 1; i >= 0; i--)
        {
            var cpe = cpes[i];
            if (cpe.Ike is { NextDeadline: { } at } ike && now >= at)
            {
                Apply(cpe, ike.OnTimeout(now));
            }
        }
    }

    private void Apply(SimulatedCpe cpe, Step step)
    {
        foreach (var o in step.Send)
        {
            _endpoint.Queue(o.Datagram, o.To);   // a refusal (ENOBUFS and the like) is retransmission's business
        }
        foreach (var e in step.Events)
        {
            if (e is IkeSaEstablished)
            {
                cpe.IkeSasEstablished++;
            }
            switch (e)
            {
                case IkeSaEstablished when !_plan.WaitForMpsa:
                    Finish(cpe, ok: true);
                    break;
                case MpsaReceived m:
                    OnMpsa(cpe, m);
                    break;
                case PeerGone g:
                    if (Interlocked.Exchange(ref _failureReported, 1) == 0)
                    {
                        Console.Error.WriteLine($"mpsa-bench: first failure: {g.Reason}: {g.Detail}");
                    }
                    Forget(cpe);
                    Finish(cpe, ok: false);
                    break;
                default:
                    break;
            }
        }
    }

    private void OnMpsa(SimulatedCpe cpe, MpsaReceived m)
    {
        var spi = m.Puts[^1].Spi;
        if (_plan.KeepGroupSas)
        {
            Keep(cpe, m.Puts);
        }
        foreach (var put in m.Puts)
        {
            put.Dispose();
        }
        // a simulated CPE installs nothing: it accepts at once
        if (cpe.Ike is { } ike)
        {
            Apply(cpe, ike.AnswerMpsaPut(m.MessageId, null, Now));
        }
        cpe.FirstSpi ??= spi;
        cpe.LastSpi = spi;
        if (spi != cpe.FirstSpi && cpe.RekeyedAt == 0)
        {
            cpe.RekeyedAt = Stopwatch.GetTimestamp();
            Interlocked.Exchange(ref LastRekeyAt, cpe.RekeyedAt);
            Interlocked.Increment(ref Rekeyed);
        }
        Finish(cpe, ok: true);
        GroupSaReceived?.Invoke(cpe, spi);
    }

    /// <summary>Records each put's SPI and KEYMAT fingerprint (once per SPI and fingerprint).</summary>
    private static void Keep(SimulatedCpe cpe, IReadOnlyList<MpsaPut> puts)
    {
        foreach (var put in puts)
        {
            var suite = MpsaPutValidation.SuiteOf(put);
            using var keys = ChildKeyMaterial.DeriveMpsa(Prf.Create(put.Prf), put.SkD.Span, put.Nonce, suite);
            var sa = (put.Spi, KeymatFingerprint.Of(keys));
            if (!cpe.GroupSas.Contains(sa))
            {
                cpe.GroupSas.Add(sa);
            }
        }
    }

    private void Finish(SimulatedCpe cpe, bool ok)
    {
        if (cpe.Done)
        {
            return;
        }
        cpe.Done = true;
        _inFlight--;
        _underWay.Remove(cpe);
        if (ok)
        {
            lock (_latencies)
            {
                _latencies.Add(Stopwatch.GetElapsedTime(cpe.StartedAt).TotalMilliseconds);
            }
            Interlocked.Increment(ref Completed);
        }
        else
        {
            Interlocked.Increment(ref Failed);
        }
        Refill();
    }

    private void Refill()
    {
        while (_inFlight < _concurrency && _next < _cpes.Count)
        {
            Start(_cpes[_next++]);
        }
    }

    private void Start(SimulatedCpe cpe)
    {
        _inFlight++;
        _underWay.Add(cpe);
        var ike = new IkeInitiator(new IkeInitiatorOptions
        {
            Proposals = [_plan.Ike],
            ChildProposals = [_plan.Esp],
            LocalIdentity = cpe.Identity,
            RemoteIdentity = _plan.ResponderIdentity,
            Psk = _plan.Psk,
            LocalSelectors = _plan.LocalSelectors,
            RemoteSelectors = _plan.RemoteSelectors,
            RequestChildSa = _plan.RequestChildSa,
            KeyShares = _keyShares,
            Random = BufferedRandom.Instance,   // per thread: one getrandom per 4 KiB, not one per nonce, SPI and IV
        }, _plan.Target);
        cpe.Ike = ike;
        cpe.StartedAt = Stopwatch.GetTimestamp();
        var step = ike.Start(Now);
        _bySpiI[ike.SpiI.Value] = cpe;
        Apply(cpe, step);
    }

    private void Forget(SimulatedCpe cpe)
    {
        if (cpe.Ike is { } ike)
        {
            _bySpiI.Remove(ike.SpiI.Value);
            ike.Dispose();
            cpe.Ike = null;
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        foreach (var c in _cpes)
        {
            c.Ike?.Dispose();
        }
        _poll.Dispose();
        _endpoint.Dispose();
        _keyShares.Dispose();
    }
}
