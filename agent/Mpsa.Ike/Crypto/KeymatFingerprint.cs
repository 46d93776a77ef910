namespace Mpsa.Ike.Crypto;

/// <summary>
/// The first 16 hex digits of SHA-256 over key material in derivation order: lets operators (and tests against
/// strongSwan) check that both sides derived the same keys without showing them. SHA-256 from libsodium (no libssl).
/// </summary>
public static class KeymatFingerprint
{
    /// <summary>An MPSA or CHILD_SA KEYMAT: encryption key | integrity key.</summary>
    public static string Of(EspKeys keys) => Of([keys.EncrKey, keys.IntegKey]);

    /// <summary>An IKE SA: SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr (RFC 7296 §2.14 order).</summary>
    public static string Of(IkeSaKeys keys) => Of([keys.SkD, keys.SkAi, keys.SkAr, keys.SkEi, keys.SkEr, keys.SkPi, keys.SkPr]);

    public static string Of(IReadOnlyList<SecretBytes> parts)
    {
        int length = 0;
        foreach (var p in parts)
        {
            length = checked(length + p.Length);
        }
        var all = new byte[length];
        try
        {
            int at = 0;
            foreach (var p in parts)
            {
                p.Span.CopyTo(all.AsSpan(at));
                at += p.Length;
            }
            Span<byte> hash = stackalloc byte[32];
            Libsodium.Sha256(all, hash);
            return Convert.ToHexStringLower(hash[..8]);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(all);
        }
    }
}
