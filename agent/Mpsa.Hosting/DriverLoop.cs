using System.Collections.Concurrent;
using Mpsa.Ike.Exchanges;
using Mpsa.Sockets;

namespace Mpsa.Hosting;

/// <summary>
/// The one loop that owns a daemon's state machines (docs/ARCHITECTURE.md, "The daemons"): sockets, the control
/// socket and signals post inputs; the loop handles them in order and wakes at the machines' next deadline. No locks
/// are needed.
/// <para>
/// The loop runs either as a task (<see cref="RunAsync"/>) or on a thread of its own (<see cref="RunOnThreadAsync"/>:
/// the daemons. In the controller handing every datagram to a pool thread and back cost more than the handshake's own
/// crypto; in the idle agent the pool's workers spinning before they sleep, its timer and gate threads cost more than
/// a rekey's work). Posting never blocks; a sleeping loop is woken by one semaphore release, and a
/// busy one is not signalled at all.
/// </para>
/// <para>
/// A loop given its sockets (<see cref="ReceiveFrom"/>) receives from them itself: it sleeps in one poll over them and an
/// eventfd that posts raise, so a datagram costs no hand-over from a receiving thread (the controller: two context
/// switches fewer per datagram, measured in bench/RESULTS.md).
/// </para>
/// </summary>
#pragma warning disable CA1001 // _wake: a SemaphoreSlim owns an OS handle only once AvailableWaitHandle is read, which nothing does.
internal sealed class DriverLoop<TInput>
#pragma warning restore CA1001
{
    private readonly ConcurrentQueue<TInput> _inbox = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SleepingWake? _sleeper;   // instead of _wake: the thread sleeps without spinning first
    private SocketPoll? _poll;   // instead of _wake: the loop waits on its sockets too (ReceiveFrom)
    private Action<int>? _onSocketInput;
    private int _wakePending;   // 1 from the post that releases _wake until the loop has taken that release

    private const int MaxBatch = 256;

    /// <param name="spinBeforeSleep">
    /// true: a loop on its own thread waits on a SemaphoreSlim, which spins a while before it sleeps (a busy controller
    /// catches the next datagram without a context switch). false: it sleeps at once (<see cref="SleepingWake"/>; the
    /// agent, which wakes a few times per rekey); then only <see cref="RunOnThreadAsync"/> runs it.
    /// </param>
    public DriverLoop(bool spinBeforeSleep = true) => _sleeper = spinBeforeSleep ? null : new SleepingWake();

    public static MonoTime Now => new(Environment.TickCount64);

    /// <summary>
    /// Called on the loop's thread at the end of every turn, after its inputs and timeouts: the controller sends there
    /// what the turn's handlers queued, in one sendmmsg per socket instead of one per input. Set before the loop runs.
    /// </summary>
    public Action? EndOfTurn { get; set; }

    /// <summary>Thread-safe; the queue is unbounded (the controller bounds what it posts), so always true.</summary>
    public bool Post(TInput input)
    {
        _inbox.Enqueue(input);
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            Wake();
        }
        return true;
    }

    private void Wake()
    {
        if (Volatile.Read(ref _poll) is { } poll)
        {
            poll.Wake();
        }
        else if (_sleeper is not null)
        {
            _sleeper.Set();
        }
        else
        {
            _wake.Release();
        }
    }

    /// <summary>
    /// Makes the loop (on its own thread, <see cref="RunOnThreadAsync"/>) wait on <paramref name="poll"/>'s sockets as well
    /// as for posts, and call <paramref name="onSocketInput"/> with a socket's index whenever it has input: the loop receives
    /// itself, with no thread between it and the socket. Call before the loop runs.
    /// </summary>
    public void ReceiveFrom(SocketPoll poll, Action<int> onSocketInput)
    {
        _onSocketInput = onSocketInput;
        Volatile.Write(ref _poll, poll);
    }

    /// <summary>
    /// Posts a request made by <paramref name="make"/> and returns the answer the loop gives it (the control socket's
    /// questions): the loop completes the source; cancellation abandons the wait.
    /// </summary>
    public Task<T> AskAsync<T>(Func<TaskCompletionSource<T>, TInput> make, CancellationToken cancel)
    {
        var reply = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        cancel.Register(() => reply.TrySetCanceled(cancel));
        Post(make(reply));
        return reply.Task;
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled or <paramref name="until"/> passes or <paramref name="done"/> holds.</summary>
    public async Task RunAsync(Func<MonoTime?> nextDeadline, Action<TInput> handle, Action<MonoTime> onTimeout,
        CancellationToken stop, MonoTime? until = null, Func<bool>? done = null)
    {
        if (_sleeper is not null || _poll is not null)
        {
            throw new InvalidOperationException("a loop that sleeps without spinning or polls its sockets runs on its own thread (RunOnThreadAsync)");
        }
        while (!stop.IsCancellationRequested && (until is null || Now < until.Value) && (done is null || !done()))
        {
            var deadline = MonoTime.Min(nextDeadline(), until);
            if (WaitTime(deadline) is { } ms)
            {
                try
                {
                    TookWake(await _wake.WaitAsync(ms, stop).ConfigureAwait(false));
                }
                catch (OperationCanceledException)
                {
                }
            }
            Turn(deadline, handle, onTimeout);
        }
    }

    /// <summary>
    /// <see cref="RunAsync"/> on a dedicated thread named <paramref name="threadName"/>: the handlers run there, and the
    /// task completes (or faults with the handler's exception) when the loop ends.
    /// </summary>
    public Task RunOnThreadAsync(Func<MonoTime?> nextDeadline, Action<TInput> handle, Action<MonoTime> onTimeout,
        CancellationToken stop, MonoTime? until = null, Func<bool>? done = null, string threadName = "mpsa-loop") =>
        DedicatedThread.Run(threadName, () => Run(nextDeadline, handle, onTimeout, until, done, stop));

    private void Run(Func<MonoTime?> nextDeadline, Action<TInput> handle, Action<MonoTime> onTimeout,
        MonoTime? until, Func<bool>? done, CancellationToken stop)
    {
        using var wakeOnStop = _poll is not null ? stop.Register(_poll.Wake) : _sleeper is null ? default : stop.Register(_sleeper.Set);
        if (_poll is not null)
        {
            Volatile.Write(ref _wakePending, 0);   // a post before ReceiveFrom released _wake, which this loop does not wait on
        }
        while (!stop.IsCancellationRequested && (until is null || Now < until.Value) && (done is null || !done()))
        {
            var deadline = MonoTime.Min(nextDeadline(), until);
            if (_poll is not null)
            {
                ReceiveFromSockets(_poll, deadline);
            }
            else if (WaitTime(deadline) is { } ms)
            {
                try
                {
                    TookWake(_sleeper?.Wait(ms) ?? _wake.Wait(ms, stop));
                }
                catch (OperationCanceledException)
                {
                }
            }
            Turn(deadline, handle, onTimeout);
        }
    }

    /// <summary>
    /// Looks at the sockets on every turn, and waits on them (and on posts) only when there is nothing else to do; then
    /// hands each socket that has input to the loop's receiver.
    /// </summary>
    private void ReceiveFromSockets(SocketPoll poll, MonoTime? deadline)
    {
        TookWake(poll.Wait(WaitTime(deadline) ?? 0));
        for (int i = 0; i < poll.Sockets; i++)
        {
            if (poll.HasInput(i))
            {
                _onSocketInput!(i);
            }
        }
    }

    /// <summary>How long to sleep: null when there is input or the deadline has come; infinite (-1) without a deadline.</summary>
    private int? WaitTime(MonoTime? deadline)
    {
        if (!_inbox.IsEmpty)
        {
            return null;
        }
        long ms = deadline is { } d ? Math.Clamp(d.Milliseconds - Now.Milliseconds, 0, int.MaxValue) : Timeout.Infinite;
        return ms == 0 ? null : (int)ms;
    }

    /// <summary>After a wait that took the release, the next post must release again.</summary>
    private void TookWake(bool took)
    {
        if (took)
        {
            Volatile.Write(ref _wakePending, 0);
        }
    }

    private void Turn(MonoTime? deadline, Action<TInput> handle, Action<MonoTime> onTimeout)
    {
        // A bounded batch, so a flood of input cannot starve the timers.
        for (int n = 0; n < MaxBatch && _inbox.TryDequeue(out var input); n++)
        {
            handle(input);
        }
        if (deadline is { } d && Now >= d)
        {
            onTimeout(Now);
        }
        EndOfTurn?.Invoke();
    }
}
