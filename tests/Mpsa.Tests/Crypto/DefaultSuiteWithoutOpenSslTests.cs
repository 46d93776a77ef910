using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Crypto;

/// <summary>
/// One IKE SA and its MPSA keys on the default suite, using nothing but the Mpsa.Ike API and no
/// System.Security.Cryptography in the test itself, so the same calls can be run where libssl is missing
/// (docs/ARCHITECTURE.md §3: System.Security.Cryptography aborts the process there). <c>dotnet test</c> itself
/// aborts without libssl, so the check was made with a console program making these same calls, run with libssl hidden:
/// <code>
/// unshare -m --propagation private sh -c 'for f in /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib/x86_64-linux-gnu/libcrypto.so.3;
///   do mount --bind /dev/null $f; done; dotnet probe.dll'
/// </code>
/// It completes; the same program creating an ECP_256 exchange aborts with "No usable version of libssl was found".
/// </summary>
[Category("NoOpenSsl")]
public class DefaultSuiteWithoutOpenSslTests
{
    [Test]
    public void RunsDefaultSuiteEndToEnd()
    {
        IkeSuite suite = IkeSuite.Default;
        IPrf prf = Prf.Create(suite.Prf);
        byte[] ni = new byte[32];
        byte[] nr = new byte[32];
        SystemRandom.Instance.Fill(ni);
        SystemRandom.Instance.Fill(nr);

        // HDR, SAi1, KEi, Ni  -->  <--  HDR, SAr1, KEr, Nr
        using IDhExchange initiatorDh = DiffieHellman.Create(suite.Dh, SystemRandom.Instance);
        using IDhExchange responderDh = DiffieHellman.Create(suite.Dh, SystemRandom.Instance);
        using SecretBytes? initiatorGir = initiatorDh.DeriveSharedSecret(responderDh.PublicValue);
        using SecretBytes? responderGir = responderDh.DeriveSharedSecret(initiatorDh.PublicValue);
        Assert.That(initiatorGir, Is.Not.Null);
        Assert.That(responderGir, Is.Not.Null);

        using IkeSaKeys initiator = IkeKeySchedule.Derive(suite, initiatorGir!.Span, ni, nr, 1, 2);
        using IkeSaKeys responder = IkeKeySchedule.Derive(suite, responderGir!.Span, ni, nr, 1, 2);
        Assert.That(initiator.SkD.Span.SequenceEqual(responder.SkD.Span), Is.True);

        // HDR, SK {IDi, AUTH, ...}  -->
        byte[] psk = "a shared secret"u8.ToArray();
        byte[] idBody = [2, 0, 0, 0, .. "cpe1"u8];
        byte[] auth = PskAuthentication.Compute(prf, psk, [0x11, 0x22], nr, initiator.SkPi.Span, idBody);
        Assert.That(PskAuthentication.Verify(prf, psk, [0x11, 0x22], nr, responder.SkPi.Span, idBody, auth), Is.True);

        var (iOut, iIn) = initiator.CreateProtection(isInitiator: true, SystemRandom.Instance);
        var (rOut, rIn) = responder.CreateProtection(isInitiator: false, SystemRandom.Instance);
        using (iOut)
        using (iIn)
        using (rOut)
        using (rIn)
        {
            byte[] message = new byte[32 + iOut.BodyLength(auth.Length)];
            iOut.Seal(message, 32, auth);
            Assert.That(rIn.Open(message, 32), Is.EqualTo(auth));
        }

        // MPSA keys (draft-mpsa §3.3.2) and CHILD_SA keys (RFC 7296 §2.17) for ChaCha20-Poly1305 ESP.
        var esp = new EspSuite(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE);
        using EspKeys mpsa = ChildKeyMaterial.DeriveMpsa(prf, initiator.SkD.Span, ni, esp);
        var (i2r, r2i) = ChildKeyMaterial.Derive(prf, responder.SkD.Span, ni, nr, esp);
        using (i2r)
        using (r2i)
        {
            Assert.That(mpsa.EncrKey.Length, Is.EqualTo(36));
            Assert.That(i2r.EncrKey.Span.SequenceEqual(r2i.EncrKey.Span), Is.False);
        }
    }

    // Pre-shared keys and nonces of every length through HMAC-SHA2-256/512 (all three key paths), still without libssl.
    [Test]
    public void ComputesSha2PrfsForAllKeyLengths()
    {
        foreach (PrfId id in new[] { PrfId.PRF_HMAC_SHA2_256, PrfId.PRF_HMAC_SHA2_512 })
        {
            IPrf prf = Prf.Create(id);
            for (int length = 0; length <= 200; length += 5)
            {
                Assert.That(prf.Compute(new byte[length], [1, 2, 3]), Has.Length.EqualTo(prf.OutputLength));
            }
        }
    }
}
