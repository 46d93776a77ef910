using Mpsa.Agent.Memory;

namespace Mpsa.Tests.Agent;

public class AllocationBudgetTests
{
    [Test]
    public void CollectsGen0EachTimeTheBudgetIsSpentAndNotBefore()
    {
        var budget = new AllocationBudget(256 * 1024);
        var large = new AllocationBudget(1L << 40);
        int gen0 = GC.CollectionCount(0);
        var keep = new List<byte[]>();
        for (int i = 0; i < 64; i++)
        {
            keep.Add(new byte[16 * 1024]);   // 1 MB in all, in 16 kB steps
            budget.Spend();
            large.Spend();
        }
        // other tests may allocate meanwhile (the count is the process's): at least one collection per 256 kB of ours
        Assert.That(budget.Collections, Is.GreaterThanOrEqualTo(3), "one gen0 collection per 256 kB allocated");
        Assert.That(GC.CollectionCount(0) - gen0, Is.GreaterThanOrEqualTo(budget.Collections));
        Assert.That(large.Collections, Is.Zero, "none before the budget is spent");
        GC.KeepAlive(keep);
    }

    [Test]
    public void EveryFourthCollectionIsAFullOne()
    {
        var budget = new AllocationBudget(64 * 1024);
        int gen2 = GC.CollectionCount(2);
        for (int i = 0; i < 64; i++)
        {
            GC.KeepAlive(new byte[16 * 1024]);   // 1 MB in all: at least 12 budgets spent
            budget.Spend();
        }
        Assert.That(budget.Collections, Is.GreaterThanOrEqualTo(8));
        Assert.That(budget.FullCollections, Is.EqualTo(budget.Collections / 4));
        Assert.That(GC.CollectionCount(2) - gen2, Is.GreaterThanOrEqualTo(budget.FullCollections), "the full ones reached gen2");
    }
}
