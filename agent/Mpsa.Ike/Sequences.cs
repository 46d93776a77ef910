namespace Mpsa.Ike;

/// <summary>What the library needs of System.Linq, which it does not use (agent binary size).</summary>
internal static class Sequences
{
    /// <summary>As Enumerable.Contains: a collection's own Contains (a set's comparer), else the default equality.</summary>
    public static bool Contains<T>(IEnumerable<T> items, T item)
    {
        if (items is ICollection<T> collection)
        {
            return collection.Contains(item);
        }
        foreach (var x in items)
        {
            if (EqualityComparer<T>.Default.Equals(x, item))
            {
                return true;
            }
        }
        return false;
    }
}
