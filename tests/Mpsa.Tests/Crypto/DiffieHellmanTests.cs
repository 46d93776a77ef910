using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Crypto;

public class DiffieHellmanTests
{
    // RFC 7748 §6.1: Alice's and Bob's private keys, public keys, and the shared secret K.
    internal static readonly byte[] AlicePrivate = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    internal static readonly byte[] AlicePublic = Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    private static readonly byte[] BobPrivate = Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    internal static readonly byte[] BobPublic = Convert.FromHexString("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    internal static readonly byte[] X25519Shared = Convert.FromHexString("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

    // RFC 5903 §8.1 (256-bit random ECP group): i, g^i = gix | giy, r, g^r = grx | gry, g^ir = girx.
    private static readonly byte[] EcpI = Convert.FromHexString("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433");
    private static readonly byte[] EcpGi = Convert.FromHexString(
        "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180" +
        "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3");
    private static readonly byte[] EcpR = Convert.FromHexString("C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53");
    private static readonly byte[] EcpGr = Convert.FromHexString(
        "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63" +
        "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB");
    private static readonly byte[] EcpGir = Convert.FromHexString("D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE");

    [Test]
    public void AgreesOnRfc7748Section6Point1Example()
    {
        using IDhExchange alice = DiffieHellman.Create(DhGroup.CURVE25519, new ReplayRandom(AlicePrivate));
        using IDhExchange bob = DiffieHellman.Create(DhGroup.CURVE25519, new ReplayRandom(BobPrivate));
        Assert.That(alice.PublicValue, Is.EqualTo(AlicePublic));
        Assert.That(bob.PublicValue, Is.EqualTo(BobPublic));

        using SecretBytes? k1 = alice.DeriveSharedSecret(BobPublic);
        using SecretBytes? k2 = bob.DeriveSharedSecret(AlicePublic);
        Assert.That(k1, Is.Not.Null);
        Assert.That(k2, Is.Not.Null);
        Assert.That(k1!.Span.ToArray(), Is.EqualTo(X25519Shared));
        Assert.That(k2!.Span.ToArray(), Is.EqualTo(X25519Shared));
    }

    [Test]
    public void AgreesOnRfc5903Section8Point1Example()
    {
        using IDhExchange initiator = DiffieHellman.Create(DhGroup.ECP_256, new ReplayRandom(EcpI));
        using IDhExchange responder = DiffieHellman.Create(DhGroup.ECP_256, new ReplayRandom(EcpR));
        Assert.That(initiator.PublicValue, Is.EqualTo(EcpGi));
        Assert.That(responder.PublicValue, Is.EqualTo(EcpGr));

        using SecretBytes? a = initiator.DeriveSharedSecret(EcpGr);
        using SecretBytes? b = responder.DeriveSharedSecret(EcpGi);
        Assert.That(a!.Span.ToArray(), Is.EqualTo(EcpGir));
        Assert.That(b!.Span.ToArray(), Is.EqualTo(EcpGir));
    }

    [TestCase(DhGroup.CURVE25519)]
    [TestCase(DhGroup.ECP_256)]
    [TestCase(DhGroup.ECP_384)]
    [TestCase(DhGroup.MODP_2048)]
    public void TwoSidesAgree(DhGroup group)
    {
        using IDhExchange a = DiffieHellman.Create(group, SystemRandom.Instance);
        using IDhExchange b = DiffieHellman.Create(group, SystemRandom.Instance);
        Assert.That(a.Group, Is.EqualTo(group));
        Assert.That(a.PublicValue, Has.Length.EqualTo(DiffieHellman.PublicValueLength(group)));
        Assert.That(b.PublicValue, Has.Length.EqualTo(DiffieHellman.PublicValueLength(group)));
        Assert.That(a.PublicValue, Is.Not.EqualTo(b.PublicValue));

        using SecretBytes? ab = a.DeriveSharedSecret(b.PublicValue);
        using SecretBytes? ba = b.DeriveSharedSecret(a.PublicValue);
        Assert.That(ab!.Span.ToArray(), Is.EqualTo(ba!.Span.ToArray()));
    }

    [TestCase(DhGroup.CURVE25519)]
    [TestCase(DhGroup.ECP_256)]
    [TestCase(DhGroup.ECP_384)]
    [TestCase(DhGroup.MODP_2048)]
    public void RejectsWrongLengthPeerValue(DhGroup group)
    {
        using IDhExchange a = DiffieHellman.Create(group, SystemRandom.Instance);
        using IDhExchange b = DiffieHellman.Create(group, SystemRandom.Instance);
        byte[] peer = b.PublicValue;
        Assert.That(a.DeriveSharedSecret(peer.AsSpan(0, peer.Length - 1)), Is.Null);
        Assert.That(a.DeriveSharedSecret([.. peer, 0]), Is.Null);
        Assert.That(a.DeriveSharedSecret([]), Is.Null);
    }

    // RFC 7748 §6.1: an all-zero output (from a low-order point) must be rejected; u = 0 and u = 1 have low order.
    [TestCase("0000000000000000000000000000000000000000000000000000000000000000")]
    [TestCase("0100000000000000000000000000000000000000000000000000000000000000")]
    [TestCase("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")]
    public void RejectsLowOrderX25519Point(string peerHex)
    {
        using IDhExchange a = DiffieHellman.Create(DhGroup.CURVE25519, SystemRandom.Instance);
        Assert.That(a.DeriveSharedSecret(Convert.FromHexString(peerHex)), Is.Null);
    }

    [TestCase(DhGroup.ECP_256)]
    [TestCase(DhGroup.ECP_384)]
    public void RejectsPointOffTheCurve(DhGroup group)
    {
        using IDhExchange a = DiffieHellman.Create(group, SystemRandom.Instance);
        using IDhExchange b = DiffieHellman.Create(group, SystemRandom.Instance);
        byte[] peer = b.PublicValue;
        peer[^1] ^= 0x01;
        Assert.That(a.DeriveSharedSecret(peer), Is.Null);
        Assert.That(a.DeriveSharedSecret(new byte[peer.Length]), Is.Null);
    }

    // The peer value must lie in [2, p-2]: 0, 1, p-1 and p (and anything above) are rejected.
    [TestCase("0")]
    [TestCase("1")]
    [TestCase("p-1")]
    [TestCase("p")]
    [TestCase("max")]
    public void RejectsOutOfRangeModpValue(string which)
    {
        System.Numerics.BigInteger p = Prime;
        System.Numerics.BigInteger value = which switch
        {
            "0" => 0,
            "1" => 1,
            "p-1" => p - 1,
            "p" => p,
            _ => (System.Numerics.BigInteger.One << 2048) - 1,
        };
        using IDhExchange a = DiffieHellman.Create(DhGroup.MODP_2048, SystemRandom.Instance);
        Assert.That(a.DeriveSharedSecret(Fixed256(value)), Is.Null);
    }

    [Test]
    public void AcceptsModpBoundaryValues()
    {
        using IDhExchange a = DiffieHellman.Create(DhGroup.MODP_2048, SystemRandom.Instance);
        using SecretBytes? two = a.DeriveSharedSecret(Fixed256(2));
        using SecretBytes? pMinus2 = a.DeriveSharedSecret(Fixed256(Prime - 2));
        Assert.That(two, Is.Not.Null);
        Assert.That(pMinus2, Is.Not.Null);
        Assert.That(two!.Length, Is.EqualTo(256));
    }

    // The exponent is taken from IRandom (32 bytes, top bit forced): the same bytes give the same public value.
    [Test]
    public void DrawsModpExponentFromRandom()
    {
        byte[] exponent = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        using IDhExchange a = DiffieHellman.Create(DhGroup.MODP_2048, new ReplayRandom(exponent));
        using IDhExchange b = DiffieHellman.Create(DhGroup.MODP_2048, new ReplayRandom(exponent));
        Assert.That(a.PublicValue, Is.EqualTo(b.PublicValue));
        var x = new System.Numerics.BigInteger([(byte)(exponent[0] | 0x80), .. exponent[1..]], isUnsigned: true, isBigEndian: true);
        Assert.That(a.PublicValue, Is.EqualTo(Fixed256(System.Numerics.BigInteger.ModPow(2, x, Prime))));
    }

    // libcrypto's constant-time exponentiation against BigInteger.ModPow, an independent implementation: the same
    // exponents give the same public values and shared secrets; values outside [2, p-2] never reach libcrypto.
    [Test]
    public void LibcryptoAgreesWithBigIntegerOnModp()
    {
        var seeds = new SeededRandom(42);
        for (int i = 0; i < 8; i++)
        {
            byte[] xa = new byte[32], xb = new byte[32];
            seeds.Fill(xa);
            seeds.Fill(xb);
            using var a = new ModpExchange(new ReplayRandom(xa));
            using var b = new ModpExchange(new ReplayRandom(xb));
            System.Numerics.BigInteger ea = Exponent(xa), eb = Exponent(xb);
            Assert.That(a.PublicValue, Is.EqualTo(Fixed256(System.Numerics.BigInteger.ModPow(2, ea, Prime))));
            using SecretBytes? shared = a.DeriveSharedSecret(b.PublicValue);
            var expected = System.Numerics.BigInteger.ModPow(new System.Numerics.BigInteger(b.PublicValue, isUnsigned: true, isBigEndian: true), ea, Prime);
            Assert.That(shared!.Span.ToArray(), Is.EqualTo(Fixed256(expected)));
            Assert.That(System.Numerics.BigInteger.ModPow(2, eb, Prime), Is.EqualTo(new System.Numerics.BigInteger(b.PublicValue, isUnsigned: true, isBigEndian: true)));
        }
        using var guarded = new ModpExchange(SystemRandom.Instance);
        Assert.That(guarded.DeriveSharedSecret(Fixed256(Prime - 1)), Is.Null, "p-1 is refused before libcrypto sees it");
        Assert.That(guarded.DeriveSharedSecret(Fixed256(1)), Is.Null);
    }

    [Test]
    public void ReportsSupportAndOpenSslNeeds()
    {
        Assert.Multiple(() =>
        {
            Assert.That(DiffieHellman.IsSupported(DhGroup.MODP_1024), Is.False);
            Assert.That(DiffieHellman.IsSupported(DhGroup.NONE), Is.False);
            Assert.That(DiffieHellman.NeedsOpenSsl(DhGroup.CURVE25519), Is.False);
            Assert.That(DiffieHellman.NeedsOpenSsl(DhGroup.MODP_2048), Is.True, "libcrypto's exponentiation");
            Assert.That(DiffieHellman.NeedsOpenSsl(DhGroup.ECP_256), Is.True);
            Assert.That(DiffieHellman.NeedsOpenSsl(DhGroup.ECP_384), Is.True);
        });
        Assert.Throws<NotSupportedException>(() => DiffieHellman.Create(DhGroup.MODP_1024, SystemRandom.Instance));
    }

    private static System.Numerics.BigInteger Prime => new(ModpExchange.Prime, isUnsigned: true, isBigEndian: true);

    private static System.Numerics.BigInteger Exponent(byte[] drawn) =>
        new([(byte)(drawn[0] | 0x80), .. drawn[1..]], isUnsigned: true, isBigEndian: true);

    private static byte[] Fixed256(System.Numerics.BigInteger value)
    {
        byte[] raw = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        byte[] result = new byte[256];
        raw.CopyTo(result, 256 - raw.Length);
        return result;
    }
}
