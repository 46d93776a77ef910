namespace Mpsa.Hosting;

/// <summary>
/// A wake-up signal for one waiting thread that sleeps at once (Monitor.Wait). SemaphoreSlim.Wait spins and yields the
/// CPU some 35 times before it sleeps: for a loop that wakes a few times per rekey that cost more than the rekey.
/// </summary>
internal sealed class SleepingWake
{
    private readonly object _gate = new();
    private bool _set;   // under _gate

    /// <summary>Thread-safe; a set signal stays set until a wait takes it.</summary>
    public void Set()
    {
        lock (_gate)
        {
            _set = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Sleeps until the signal is set or <paramref name="milliseconds"/> pass (-1: no limit).</summary>
    /// <returns>Whether it took the signal (which it clears).</returns>
    public bool Wait(int milliseconds)
    {
        lock (_gate)
        {
            if (!_set)
            {
                Monitor.Wait(_gate, milliseconds);
            }
            bool took = _set;
            _set = false;
            return took;
        }
    }
}
