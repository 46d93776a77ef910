namespace Mpsa.Ike.Wire;

/// <summary>
/// The copies the codecs make of fields that can hold key material: Notification Data and TLV attribute values as they
/// are decoded, and the SK_d that <see cref="MpsaPut.ToNotify"/> lays out (draft-mpsa §3.2.2). Whoever makes such a
/// copy zeroes it when done, also when decoding throws. A test sees every copy made on its thread between
/// <see cref="Observe"/> and <see cref="StopObserving"/>, to check that none still holds the key afterwards.
/// </summary>
internal static class KeyMaterialCopies
{
    [ThreadStatic]
    private static List<byte[]>? t_observed;

    public static byte[] Of(ReadOnlySpan<byte> field)
    {
        byte[] copy = field.ToArray();
        t_observed?.Add(copy);
        return copy;
    }

    /// <summary>Starts recording this thread's copies into the returned list.</summary>
    public static List<byte[]> Observe() => t_observed = [];

    public static void StopObserving() => t_observed = null;
}
