using System.Threading.Channels;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Hosting;

/// <summary>
/// The one loop that owns a daemon's state machines (STYLE.md §5): sockets, the control socket and signals post
/// inputs; the loop handles them in order and wakes at the machines' next deadline. No locks are needed.
/// </summary>
internal sealed class DriverLoop<TInput>
{
    private readonly Channel<TInput> _inbox = Channel.CreateUnbounded<TInput>(new UnboundedChannelOptions { SingleReader = true });

    private const int MaxBatch = 256;

    public static MonoTime Now => new(Environment.TickCount64);

    /// <summary>Thread-safe; false after the loop is completed.</summary>
    public bool Post(TInput input) => _inbox.Writer.TryWrite(input);

    /// <summary>
    /// Posts a request made by <paramref name="make"/> and returns the answer the loop gives it (the control socket's
    /// questions): the loop completes the source; cancellation abandons the wait.
    /// </summary>
    public Task<string> AskAsync(Func<TaskCompletionSource<string>, TInput> make, CancellationToken cancel)
    {
        var reply = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cancel.Register(() => reply.TrySetCanceled(cancel));
        Post(make(reply));
        return reply.Task;
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled or <paramref name="until"/> passes or <paramref name="done"/> holds.</summary>
    public async Task RunAsync(Func<MonoTime?> nextDeadline, Action<TInput> handle, Action<MonoTime> onTimeout,
        CancellationToken stop, MonoTime? until = null, Func<bool>? done = null)
    {
        while (!stop.IsCancellationRequested && (until is null || Now < until.Value) && (done is null || !done()))
        {
            var deadline = MonoTime.Min(nextDeadline(), until);
            await WaitAsync(deadline, stop).ConfigureAwait(false);
            // A bounded batch, so a flood of input cannot starve the timers.
            for (int n = 0; n < MaxBatch && _inbox.Reader.TryRead(out var input); n++)
            {
                handle(input);
            }
            if (deadline is { } d && Now >= d)
            {
                onTimeout(Now);
            }
        }
    }

    private async Task WaitAsync(MonoTime? deadline, CancellationToken stop)
    {
        if (_inbox.Reader.TryPeek(out _))
        {
            return;
        }
        long ms = deadline is { } d ? Math.Clamp(d.Milliseconds - Now.Milliseconds, 0, int.MaxValue) : Timeout.Infinite;
        if (ms == 0)
        {
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (ms != Timeout.Infinite)
        {
            timeout.CancelAfter(TimeSpan.FromMilliseconds(ms));
        }
        try
        {
            await _inbox.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
