namespace Mpsa.Hosting;

/// <summary>Suggests the known word closest to a misspelt one, by optimal-string-alignment edit distance.</summary>
internal static class DidYouMean
{
    /// <summary>
    /// The candidate nearest to <paramref name="word"/>, if it is near enough: at most one edit for words
    /// up to 5 letters, two up to 8, three beyond (an insertion, deletion, substitution or swap of two
    /// neighbours each count one). Ties go to the alphabetically first candidate.
    /// </summary>
    public static string? Suggest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            int limit = Math.Max(word.Length, candidate.Length) switch { <= 5 => 1, <= 8 => 2, _ => 3 };
            int distance = Distance(word, candidate);
            if (distance <= limit && distance > 0
                && (distance < bestDistance || (distance == bestDistance && string.CompareOrdinal(candidate, best) < 0)))
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>" (did you mean 'x'?)", or "" when nothing is near.</summary>
    public static string Hint(string word, IEnumerable<string> candidates) =>
        Suggest(word, candidates) is { } s ? $" (did you mean '{s}'?)" : "";

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transposition).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, d[i - 2, j - 2] + 1);
                }
                d[i, j] = value;
            }
        }
        return d[a.Length, b.Length];
    }
}
