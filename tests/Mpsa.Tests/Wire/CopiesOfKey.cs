using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Wire;

/// <summary>The copies of key-bearing fields (<see cref="KeyMaterialCopies"/>) that still hold a key.</summary>
internal static class CopiesOfKey
{
    /// <summary>Runs <paramref name="action"/>: the copies it made that still hold <paramref name="key"/>.</summary>
    public static List<byte[]> LeftBy(Action action, byte[] key)
    {
        var copies = KeyMaterialCopies.Observe();
        try
        {
            action();
        }
        finally
        {
            KeyMaterialCopies.StopObserving();
        }
        Assert.That(copies, Is.Not.Empty, "no key-bearing field was copied: nothing was checked");
        return copies.Where(c => c.AsSpan().IndexOf(key) >= 0).ToList();
    }
}
