namespace Mpsa.Hosting;

/// <summary>The few list queries the daemons need, without System.Linq (its generic code is large in a NativeAOT binary).</summary>
internal static class ReadOnlyLists
{
    public static bool Contains<T>(IReadOnlyList<T> list, T item)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(list[i], item))
            {
                return true;
            }
        }
        return false;
    }

    public static bool Exists<T>(IReadOnlyList<T> list, Predicate<T> match)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (match(list[i]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Same length and equal items in the same order (EqualityComparer&lt;T&gt;.Default).</summary>
    public static bool SequenceEqual<T>(IReadOnlyList<T> a, IReadOnlyList<T> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }
        for (int i = 0; i < a.Count; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(a[i], b[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>string.Join of <paramref name="format"/> applied to each item.</summary>
    public static string Join<T>(string separator, IReadOnlyList<T> list, Func<T, string> format)
    {
        var parts = new string[list.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = format(list[i]);
        }
        return string.Join(separator, parts);
    }
}
