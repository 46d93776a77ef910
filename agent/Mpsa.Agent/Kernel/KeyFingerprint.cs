using Mpsa.Ike.Crypto;

namespace Mpsa.Agent.Kernel;

/// <summary>
/// A printable, one-way name for ESP key material: the first 16 lowercase hex digits (64 bits) of
/// SHA-256(encryption key || integrity key). Lets logs, the dry-run trace and the status output be compared across
/// group members without showing a key. SHA-256 comes from libsodium through NSec (no libssl on the router).
/// </summary>
internal static class KeyFingerprint
{
    public const int HexDigits = 16;

    public static string Of(ReadOnlySpan<byte> encrKey, ReadOnlySpan<byte> integKey)
    {
        using var keymat = new SecretBytes(encrKey.Length + integKey.Length);
        encrKey.CopyTo(keymat.WritableSpan);
        integKey.CopyTo(keymat.WritableSpan[encrKey.Length..]);
        Span<byte> hash = stackalloc byte[32];
        NSec.Cryptography.HashAlgorithm.Sha256.Hash(keymat.Span, hash);
        string hex = Convert.ToHexStringLower(hash[..(HexDigits / 2)]);
        hash.Clear();
        return hex;
    }

    public static string Of(SecretBytes encrKey, SecretBytes integKey)
    {
        ArgumentNullException.ThrowIfNull(encrKey);
        ArgumentNullException.ThrowIfNull(integKey);
        return Of(encrKey.Span, integKey.Span);
    }
}
