using System.Text;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Crypto;

public class PskAuthenticationTests(string library) : HmacLibraryFixture(library)
{
    private static readonly byte[] RealMessage = [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))];
    private static readonly byte[] PeerNonce = [.. Enumerable.Range(0, 32).Select(i => (byte)(i + 1))];
    private static readonly byte[] SkP = [.. Enumerable.Range(0, 64).Select(i => (byte)(255 - i))];

    // RestOfIDPayload = ID Type (ID_FQDN = 2) | RESERVED (3 bytes) | "cpe1.example".
    private static readonly byte[] IdBody = [2, 0, 0, 0, .. Encoding.ASCII.GetBytes("cpe1.example")];

    // RFC 7296 §2.15: AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), RealMessage | NonceData | prf(SK_p, RestOfIDPayload) ),
    // computed in the test with System.Security.Cryptography's HMAC. PSKs of 4 (padded), 40 (libsodium HMAC) and 200 (hashed) bytes.
    [TestCase(PrfId.PRF_HMAC_SHA2_256, 4)]
    [TestCase(PrfId.PRF_HMAC_SHA2_256, 40)]
    [TestCase(PrfId.PRF_HMAC_SHA2_256, 200)]
    [TestCase(PrfId.PRF_HMAC_SHA2_512, 100)]
    [TestCase(PrfId.PRF_HMAC_SHA2_384, 16)]
    [TestCase(PrfId.PRF_HMAC_SHA1, 16)]
    public void MatchesIndependentComputation(PrfId id, int pskLength)
    {
        byte[] psk = [.. Enumerable.Range(0, pskLength).Select(i => (byte)(i + 3))];
        byte[] keyPad = Encoding.ASCII.GetBytes("Key Pad for IKEv2");
        Assert.That(keyPad, Has.Length.EqualTo(17));

        byte[] macedId = IndependentPrf.Prf(id, SkP, IdBody);
        byte[] expected = IndependentPrf.Prf(id, IndependentPrf.Prf(id, psk, keyPad), [.. RealMessage, .. PeerNonce, .. macedId]);

        byte[] auth = PskAuthentication.Compute(Prf.Create(id), psk, RealMessage, PeerNonce, SkP, IdBody);
        Assert.That(auth, Is.EqualTo(expected));
        Assert.That(PskAuthentication.Verify(Prf.Create(id), psk, RealMessage, PeerNonce, SkP, IdBody, expected), Is.True);
    }

    [Test]
    public void RejectsWrongAuth()
    {
        IPrf prf = Prf.Create(PrfId.PRF_HMAC_SHA2_256);
        byte[] psk = Encoding.UTF8.GetBytes("correct horse battery staple");
        byte[] auth = PskAuthentication.Compute(prf, psk, RealMessage, PeerNonce, SkP, IdBody);

        byte[] flipped = (byte[])auth.Clone();
        flipped[5] ^= 1;
        Assert.Multiple(() =>
        {
            Assert.That(PskAuthentication.Verify(prf, psk, RealMessage, PeerNonce, SkP, IdBody, flipped), Is.False);
            Assert.That(PskAuthentication.Verify(prf, psk, RealMessage, PeerNonce, SkP, IdBody, auth.AsSpan(0, auth.Length - 1)), Is.False);
            Assert.That(PskAuthentication.Verify(prf, psk, RealMessage, PeerNonce, SkP, IdBody, []), Is.False);
            Assert.That(PskAuthentication.Verify(prf, [.. psk, 0x21], RealMessage, PeerNonce, SkP, IdBody, auth), Is.False);
            Assert.That(PskAuthentication.Verify(prf, psk, RealMessage, PeerNonce, SkP, [.. IdBody[..^1], 0x58], auth), Is.False);
            Assert.That(PskAuthentication.Verify(prf, psk, RealMessage, PeerNonce.AsSpan(1), SkP, IdBody, auth), Is.False);
        });
    }
}
