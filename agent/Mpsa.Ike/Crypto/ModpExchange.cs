using System.Numerics;
using System.Security.Cryptography;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// Group 14, the 2048-bit MODP group of RFC 3526 §3 (generator 2): neither NSec nor libsodium has it. Where
/// libcrypto.so.3 loads (every .NET server; OpenWrt's libopenssl3), through its constant-time Montgomery
/// exponentiation (<see cref="LibcryptoModExp"/>); elsewhere with <see cref="BigInteger.ModPow"/>, slower and not
/// constant-time (docs/ARCHITECTURE.md §3): offered for interop, not proposed first.
/// The exponent is 256 random bits from <see cref="IRandom"/> with the top bit set (RFC 3526 §8 estimates 110-160
/// bits of strength, needing a 220-320 bit exponent). The peer value must lie in [2, p-2] (RFC 7296 §5.12 refers to
/// checking received values; 0, 1 and p-1 give a trivial secret). Public value and g^ir are left-padded to 256 bytes
/// (RFC 7296 §3.4).
/// </summary>
/// <remarks>BigInteger values are immutable and live on the GC heap: the exponent and g^ir cannot be zeroed there.</remarks>
internal sealed class ModpExchange : IDhExchange
{
    public const int Length = 256;
    private const int ExponentBytes = 32;

    private static readonly BigInteger s_prime = new(Convert.FromHexString(
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
        "15728E5A8AACAA68FFFFFFFFFFFFFFFF"), isUnsigned: true, isBigEndian: true);

    private static readonly BigInteger s_generator = 2;

    private static readonly Lazy<LibcryptoModExp?> s_libcrypto = new(() => LibcryptoModExp.IsAvailable ? new LibcryptoModExp(ToFixedLength(s_prime)) : null);

    private readonly LibcryptoModExp? _libcrypto;
    private readonly SecretBytes _exponentBytes = new(ExponentBytes);
    private BigInteger _exponent;
    private bool _disposed;

    public ModpExchange(IRandom random)
        : this(random, s_libcrypto.Value)
    {
    }

    /// <param name="libcrypto">The backend; null: <see cref="BigInteger.ModPow"/> (tests compare the two).</param>
    internal ModpExchange(IRandom random, LibcryptoModExp? libcrypto)
    {
        ArgumentNullException.ThrowIfNull(random);
        _libcrypto = libcrypto;
        var exponent = _exponentBytes.WritableSpan;
        random.Fill(exponent);
        exponent[0] |= 0x80;
        if (libcrypto is not null)
        {
            PublicValue = new byte[Length];
            libcrypto.Power(ToFixedLength(s_generator), exponent, PublicValue);
            return;
        }
        _exponent = new BigInteger(exponent, isUnsigned: true, isBigEndian: true);
        PublicValue = ToFixedLength(BigInteger.ModPow(s_generator, _exponent, s_prime));
    }

    /// <summary>The libcrypto backend of this process, or null where libcrypto.so.3 does not load.</summary>
    internal static LibcryptoModExp? Libcrypto => s_libcrypto.Value;

    /// <summary>Whether MODP-2048 runs on libcrypto here (constant-time) rather than on BigInteger.</summary>
    public static bool UsesLibcrypto => s_libcrypto.Value is not null;

    internal static BigInteger Prime => s_prime;

    public DhGroup Group => DhGroup.MODP_2048;

    public byte[] PublicValue { get; }

    public SecretBytes? DeriveSharedSecret(ReadOnlySpan<byte> peerPublicValue)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (peerPublicValue.Length != Length)
        {
            return null;
        }

        var peer = new BigInteger(peerPublicValue, isUnsigned: true, isBigEndian: true);
        if (peer < 2 || peer > s_prime - 2)
        {
            return null;
        }

        var shared = new SecretBytes(Length);
        if (_libcrypto is not null)
        {
            _libcrypto.Power(peerPublicValue, _exponentBytes.Span, shared.WritableSpan);
            return shared;
        }
        WriteFixedLength(BigInteger.ModPow(peer, _exponent, s_prime), shared.WritableSpan);
        return shared;
    }

    public void Dispose()
    {
        _exponent = BigInteger.Zero;
        _exponentBytes.Dispose();
        _disposed = true;
    }

    private static byte[] ToFixedLength(BigInteger value)
    {
        var bytes = new byte[Length];
        WriteFixedLength(value, bytes);
        return bytes;
    }

    private static void WriteFixedLength(BigInteger value, Span<byte> destination)
    {
        int byteCount = value.GetByteCount(isUnsigned: true);
        destination.Clear();
        if (!value.TryWriteBytes(destination[(Length - byteCount)..], out _, isUnsigned: true, isBigEndian: true))
        {
            throw new InvalidOperationException("MODP value does not fit 256 bytes.");
        }
    }
}
