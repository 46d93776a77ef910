using System.Security.Cryptography;
using System.Text;

namespace Mpsa.Controller.State;

/// <summary>
/// A small secret (a member's PSK) sealed under the state key: a 12-byte nonce, the 16-byte tag, then the AES-256-GCM
/// ciphertext, bound to a context (the member's name) as associated data, so a sealed value moved to another member
/// does not open.
/// </summary>
internal static class SealedValue
{
    private const int NonceLength = 12;
    private const int TagLength = 16;

    public static byte[] Seal(ReadOnlySpan<byte> secret, StateKey key, string context)
    {
        var sealedBytes = new byte[NonceLength + TagLength + secret.Length];
        var nonce = sealedBytes.AsSpan(0, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.Bytes, TagLength);
        aes.Encrypt(nonce, secret, sealedBytes.AsSpan(NonceLength + TagLength), sealedBytes.AsSpan(NonceLength, TagLength), Context(context));
        return sealedBytes;
    }

    /// <summary>The secret (the caller clears it); throws <see cref="StateException"/> naming <paramref name="where"/>.</summary>
    public static byte[] Open(ReadOnlySpan<byte> sealedBytes, StateKey key, string context, string where)
    {
        if (sealedBytes.Length < NonceLength + TagLength)
        {
            throw new StateException($"{where}: the sealed value is truncated ({sealedBytes.Length} bytes)");
        }
        var secret = new byte[sealedBytes.Length - NonceLength - TagLength];
        try
        {
            using var aes = new AesGcm(key.Bytes, TagLength);
            aes.Decrypt(sealedBytes[..NonceLength], sealedBytes[(NonceLength + TagLength)..], sealedBytes.Slice(NonceLength, TagLength), secret,
                Context(context));
            return secret;
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new StateException($"{where}: cannot be authenticated under the state key {key.Path} (written under another key, or damaged)", e);
        }
    }

    private static byte[] Context(string context) => Encoding.UTF8.GetBytes("mpsa sealed value 1\n" + context);
}
