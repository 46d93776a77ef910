using System.Security.Cryptography;
using System.Text;

namespace Mpsa.Controller.State;

/// <summary>
/// The state file's bytes: a text header line, then a 12-byte nonce, the 16-byte tag and the AES-256-GCM ciphertext
/// of the whole document, with the header as associated data. Every byte is authenticated, so a truncated, corrupted
/// or swapped file is refused as a whole, and no key ever lies in the file in plain text.
/// </summary>
internal static class StateEnvelope
{
    public static readonly byte[] Header = Encoding.ASCII.GetBytes("mpsa-controller state 1\n");

    private const int NonceLength = 12;
    private const int TagLength = 16;

    public static byte[] Seal(ReadOnlySpan<byte> document, StateKey key)
    {
        var sealedBytes = new byte[Header.Length + NonceLength + TagLength + document.Length];
        Header.CopyTo(sealedBytes, 0);
        var nonce = sealedBytes.AsSpan(Header.Length, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.Bytes, TagLength);
        aes.Encrypt(nonce, document, sealedBytes.AsSpan(Header.Length + NonceLength + TagLength), sealedBytes.AsSpan(Header.Length + NonceLength, TagLength),
            Header);
        return sealedBytes;
    }

    /// <summary>The document inside <paramref name="file"/> (the caller clears it after use); throws <see cref="StateException"/>.</summary>
    public static byte[] Open(ReadOnlySpan<byte> file, StateKey key, string path)
    {
        bool truncated = file.Length < Header.Length + NonceLength + TagLength;
        if (truncated && (Header.AsSpan().StartsWith(file) || file.StartsWith(Header)))
        {
            throw new StateException($"{path}: truncated ({file.Length} bytes, shorter than an empty state)" + StateException.ResetHint);
        }
        if (!file.StartsWith(Header))
        {
            throw new StateException($"{path}: not an mpsa-controller state file (its first line is not \"{Encoding.ASCII.GetString(Header).TrimEnd()}\")" + StateException.ResetHint);
        }
        var body = file[Header.Length..];
        var document = new byte[body.Length - NonceLength - TagLength];
        try
        {
            using var aes = new AesGcm(key.Bytes, TagLength);
            aes.Decrypt(body[..NonceLength], body[(NonceLength + TagLength)..], body.Slice(NonceLength, TagLength), document, Header);
            return document;
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new StateException($"{path}: cannot be authenticated under the state key {key.Path}: the file is corrupt or truncated, "
                + "or was written under another key" + StateException.ResetHint, e);
        }
    }
}
