using System.Security.Cryptography;
using Mpsa.Ike.Crypto;

namespace Mpsa.Tests.Crypto;

/// <summary>ML-KEM-768 through libsodium: the sizes IKEv2 puts in KE payloads, agreement, replay from seeds, and
/// refusal of what FIPS 203 says to refuse. (Agreement with an independent implementation comes from the strongSwan 6
/// interop tests.)</summary>
public class MlKem768Tests
{
    private static (byte[] Ek, byte[] Dk) KeyPair(byte seedByte)
    {
        var ek = new byte[MlKem768.EncapsulationKeyLength];
        var dk = new byte[MlKem768.DecapsulationKeyLength];
        MlKem768.KeyPair(Enumerable.Repeat(seedByte, MlKem768.KeySeedLength).ToArray(), ek, dk);
        return (ek, dk);
    }

    [Test]
    public void BothSidesEndWithTheSameSecretAndTheSameSeedsGiveTheSameBytes()
    {
        var (ek, dk) = KeyPair(0x11);
        var ct = new byte[MlKem768.CiphertextLength];
        var sent = new byte[MlKem768.SharedSecretLength];
        Assert.That(MlKem768.Encapsulate(ek, Enumerable.Repeat((byte)0x22, 32).ToArray(), ct, sent), Is.True);
        var received = new byte[MlKem768.SharedSecretLength];
        Assert.That(MlKem768.Decapsulate(dk, ct, received), Is.True);
        Assert.That(received, Is.EqualTo(sent));
        Assert.That(sent, Is.Not.EqualTo(new byte[32]));

        var (ek2, dk2) = KeyPair(0x11);
        Assert.That((ek2, dk2), Is.EqualTo((ek, dk)), "a key pair is a function of its seed");
        Assert.That(KeyPair(0x12).Ek, Is.Not.EqualTo(ek));
        // FIPS 203: the decapsulation key ends with H(ek) and z; ek is the last 1184 bytes before them.
        Assert.That(dk.AsSpan(1152, MlKem768.EncapsulationKeyLength).ToArray(), Is.EqualTo(ek));
        if (SHA3_256.IsSupported)
        {
            Assert.That(dk.AsSpan(1152 + 1184, 32).ToArray(), Is.EqualTo(SHA3_256.HashData(ek)), "H(ek) as OpenSSL's SHA3-256 computes it");
        }
        Assert.That(dk.AsSpan(2368, 32).ToArray(), Is.EqualTo(Enumerable.Repeat((byte)0x11, 32).ToArray()), "z is the seed's second half");
    }

    [Test]
    public void AForgedCiphertextGivesAnotherSecretNotAnError()
    {
        var (ek, dk) = KeyPair(0x33);
        var ct = new byte[MlKem768.CiphertextLength];
        var sent = new byte[32];
        Assert.That(MlKem768.Encapsulate(ek, new byte[32], ct, sent), Is.True);
        ct[100] ^= 1;
        var received = new byte[32];
        Assert.That(MlKem768.Decapsulate(dk, ct, received), Is.True, "implicit rejection (FIPS 203 §6.3)");
        Assert.That(received, Is.Not.EqualTo(sent));
        Assert.That(MlKem768.Decapsulate(dk, ct.AsSpan(1).ToArray(), received), Is.False, "wrong length");
    }

    [Test]
    public void RefusesAnEncapsulationKeyThatIsNotOne()
    {
        var (ek, _) = KeyPair(0x44);
        var ct = new byte[MlKem768.CiphertextLength];
        var ss = new byte[32];
        Assert.That(MlKem768.Encapsulate(ek.AsSpan(0, 1183), new byte[32], ct, ss), Is.False, "too short");
        // The first 12-bit coefficient set to 4095 (>= q = 3329): FIPS 203 §7.2's modulus check fails.
        var bad = (byte[])ek.Clone();
        bad[0] = 0xff;
        bad[1] |= 0x0f;
        Assert.That(MlKem768.Encapsulate(bad, new byte[32], ct, ss), Is.False);
    }
}
