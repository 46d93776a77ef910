using System.Threading.Channels;
using Mpsa.Ike.Exchanges;

namespace Mpsa.Hosting;

/// <summary>
/// The daemon's single-threaded loop (STYLE.md §5): readers (UDP, netlink, control socket, signals) write
/// inputs into a <see cref="Channel{T}"/>; the loop takes them one at a time in order and hands each to
/// <see cref="IDriver{TInput}.HandleInput"/>, and when <see cref="IDriver{TInput}.NextDeadline"/> has come it
/// calls <see cref="IDriver{TInput}.HandleTimeout"/>. A deadline that is due goes before the next input, so
/// a busy inbox cannot starve the timers. Every call of one step sees the same <see cref="Now"/>.
/// <para>
/// The loop ends when the channel is completed and empty (the graceful way: the driver, asked to stop,
/// says goodbye and then completes the writer) or when the token is cancelled (the hard way).
/// </para>
/// </summary>
internal sealed class DriverLoop<TInput>
{
    /// <summary>Longest single sleep; the loop then looks at the clock again.</summary>
    private static readonly TimeSpan MaxSleep = TimeSpan.FromHours(1);

    private readonly ChannelReader<TInput> _inputs;
    private readonly IDriver<TInput> _driver;
    private readonly TimeProvider? _time;

    /// <param name="time">Null for the system clock (<see cref="MonoClock.Now"/>); tests pass a manual one.</param>
    public DriverLoop(ChannelReader<TInput> inputs, IDriver<TInput> driver, TimeProvider? time = null)
    {
        _inputs = inputs;
        _driver = driver;
        _time = time;
        Now = MonoClock.From(time);
    }

    /// <summary>The instant of the current step (read once per input or timeout).</summary>
    public MonoTime Now { get; private set; }

    /// <summary>Inputs handled so far.</summary>
    public long Inputs { get; private set; }

    /// <summary>Timeouts handled so far.</summary>
    public long Timeouts { get; private set; }

    /// <summary>
    /// Runs until the input channel completes (returns normally) or <paramref name="cancellationToken"/> is
    /// cancelled (also returns normally: cancellation is how a daemon stops). Exceptions from the driver
    /// end the loop and fault the task.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Task<bool>? waitForInput = null;
        Task? timer = null;
        MonoTime timerDeadline = default;
        CancellationTokenSource? timerCancel = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Now = MonoClock.From(_time);
                var deadline = _driver.NextDeadline;
                if (deadline is { } due && due <= Now)
                {
                    Timeouts++;
                    _driver.HandleTimeout(Now);
                    continue;
                }
                if (_inputs.TryRead(out var input))
                {
                    Inputs++;
                    _driver.HandleInput(input, Now);
                    continue;
                }

                // Nothing to do now: sleep until an input comes or the deadline does. The waits are kept across
                // turns while still pending, so a long-lived deadline does not pile up timers.
                waitForInput ??= _inputs.WaitToReadAsync(cancellationToken).AsTask();
                if (deadline is null)
                {
                    await waitForInput.ConfigureAwait(false);
                }
                else
                {
                    if (timer is null || timer.IsCompleted || timerDeadline != deadline.Value)
                    {
                        timerCancel?.Cancel();
                        timerCancel?.Dispose();
                        timerCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        var sleep = deadline.Value - Now;
                        timer = Task.Delay(sleep < MaxSleep ? sleep : MaxSleep, _time ?? TimeProvider.System, timerCancel.Token);
                        timerDeadline = deadline.Value;
                    }
                    await Task.WhenAny(waitForInput, timer).ConfigureAwait(false);
                }
                if (waitForInput.IsCompleted)
                {
                    bool more = await waitForInput.ConfigureAwait(false);   // rethrows a channel's completion error
                    waitForInput = null;
                    if (!more)
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The hard stop.
        }
        finally
        {
            timerCancel?.Cancel();
            timerCancel?.Dispose();
        }
    }
}
