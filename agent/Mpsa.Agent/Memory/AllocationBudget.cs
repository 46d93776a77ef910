namespace Mpsa.Agent.Memory;

/// <summary>
/// The agent's own gen0 budget. The runtime sizes gen0 from the CPU's cache (megabytes), and until a collection
/// every byte allocated is a page newly made resident: under rekeys the RSS climbed by what was allocated, minutes
/// long (make soak, bench/RESULTS.md). The daemon collects gen0 itself once this much was allocated since the last
/// time, so the pages gen0 uses are reused instead. GCgen0size would say the same, but a NativeAOT binary does not
/// read it from its embedded configuration, and a router's init script should not need an environment variable.
/// Every <c>fullEvery</c>-th time the collection is a full, compacting one: gen0 collections alone promote what
/// survives them into older generations that nothing else collects on so small a heap, and the heap crept up by what
/// outlived one rekey (make soak: +0.5 MB/h).
/// </summary>
internal sealed class AllocationBudget(long bytes, int fullEvery = 4)
{
    private long _collectedAt = GC.GetTotalAllocatedBytes(precise: false);

    /// <summary>Collections this budget asked for.</summary>
    public int Collections { get; private set; }

    /// <summary>Of them, full compacting collections.</summary>
    public int FullCollections { get; private set; }

    /// <summary>Called by the driver loop after each piece of work: a collection when the budget is spent.</summary>
    public void Spend()
    {
        long now = GC.GetTotalAllocatedBytes(precise: false);
        if (now - _collectedAt < bytes)
        {
            return;
        }
        Collections++;
        if (Collections % fullEvery == 0)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            FullCollections++;
        }
        else
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        }
        _collectedAt = GC.GetTotalAllocatedBytes(precise: false);
    }
}
