namespace Mpsa.Ike.Crypto;

/// <summary>
/// The first 16 hex digits of SHA-256 over KEYMAT (encryption key | integrity key, as derived): lets operators check
/// that every member derived the same keys without showing them. SHA-256 from libsodium (no libssl).
/// </summary>
public static class KeymatFingerprint
{
    public static string Of(EspKeys keys)
    {
        var keymat = new byte[keys.EncrKey.Length + keys.IntegKey.Length];
        try
        {
            keys.EncrKey.Span.CopyTo(keymat);
            keys.IntegKey.Span.CopyTo(keymat.AsSpan(keys.EncrKey.Length));
            byte[] hash = NSec.Cryptography.HashAlgorithm.Sha256.Hash(keymat);
            return Convert.ToHexStringLower(hash.AsSpan(0, 8));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(keymat);
        }
    }
}
