using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// Group 14, the 2048-bit MODP group of RFC 3526 §3 (generator 2): neither NSec nor libsodium has it, so it runs on
/// libcrypto.so.3's constant-time Montgomery exponentiation (<see cref="LibcryptoModExp"/>; every .NET server has it,
/// OpenWrt's libopenssl3 brings it). Where libcrypto does not load the group is not offered (<see cref="IsAvailable"/>):
/// no slower, variable-time fallback.
/// The exponent is 256 random bits from <see cref="IRandom"/> with the top bit set (RFC 3526 §8 estimates 110-160
/// bits of strength, needing a 220-320 bit exponent). The peer value must lie in [2, p-2] (RFC 7296 §5.12 refers to
/// checking received values; 0, 1 and p-1 give a trivial secret). Public value and g^ir are 256 bytes, left-padded
/// (RFC 7296 §3.4); as fixed-length big-endian numbers they compare as byte strings.
/// </summary>
internal sealed class ModpExchange : IDhExchange
{
    public const int Length = 256;
    private const int ExponentBytes = 32;

    private static readonly byte[] s_prime = Convert.FromHexString(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
        "29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
        "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
        "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
        "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
        "83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
        "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
        "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
        "DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
        "15728E5A8AACAA68FFFFFFFFFFFFFFFF");

    private static readonly byte[] s_generator = Small(2);
    private static readonly byte[] s_pMinus1 = PrimeMinus1();

    private static readonly Lazy<LibcryptoModExp?> s_libcrypto = new(() => LibcryptoModExp.IsAvailable ? new LibcryptoModExp(s_prime) : null);

    private readonly LibcryptoModExp _libcrypto;
    private readonly SecretBytes _exponent = new(ExponentBytes);
    private bool _disposed;

    /// <exception cref="NotSupportedException">libcrypto.so.3 does not load here.</exception>
    public ModpExchange(IRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _libcrypto = s_libcrypto.Value ?? throw new NotSupportedException("MODP-2048 needs libcrypto.so.3, which does not load here.");
        var exponent = _exponent.WritableSpan;
        random.Fill(exponent);
        exponent[0] |= 0x80;
        PublicValue = new byte[Length];
        _libcrypto.Power(s_generator, exponent, PublicValue);
    }

    /// <summary>Whether libcrypto.so.3 loads here, and with it this group.</summary>
    public static bool IsAvailable => s_libcrypto.Value is not null;

    /// <summary>p, big-endian, 256 bytes.</summary>
    internal static ReadOnlySpan<byte> Prime => s_prime;

    public DhGroup Group => DhGroup.MODP_2048;

    public byte[] PublicValue { get; }

    public SecretBytes? DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (peerPublicValue.Length != Length || !InRange(peerPublicValue))
        {
            return null;
        }
        var shared = new SecretBytes(Length);
        _libcrypto.Power(peerPublicValue, _exponent.Span, shared.WritableSpan);
        return shared;
    }

    public void Dispose()
    {
        _exponent.Dispose();
        _disposed = true;
    }

    /// <summary>2 &lt;= value &lt;= p-2 for a 256-byte big-endian value.</summary>
    private static bool InRange(ReadOnlySpan<byte> value) =>
        value.SequenceCompareTo(s_generator) >= 0 && value.SequenceCompareTo(s_pMinus1) < 0;

    private static byte[] Small(byte value)
    {
        var bytes = new byte[Length];
        bytes[^1] = value;
        return bytes;
    }

    private static byte[] PrimeMinus1()
    {
        var bytes = (byte[])s_prime.Clone();
        bytes[^1]--;   // p ends in 0xFF: no borrow
        return bytes;
    }
}
