using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Crypto;

namespace Mpsa.Tests.KnownAnswers;

/// <summary>
/// Our key schedule, AUTH and SK decryption against values strongSwan 5.9.8 derived for real exchanges
/// (Fixtures/strongswan, captured by tests/interop/capture-keys.sh; provenance in each file).
/// </summary>
public class StrongSwanKeyScheduleTests(string library) : HmacLibraryFixture(library)
{
    private static IEnumerable<string> Suites() => Fixture.Names("strongswan");

    private static IkeSuite SuiteOf(Fixture f) => new(
        Enum.Parse<EncrId>(f.Text("encr")),
        int.Parse(f.Text("encr_key_bits"), System.Globalization.CultureInfo.InvariantCulture),
        f.Text("integ") is "" ? IntegId.NONE : Enum.Parse<IntegId>(f.Text("integ")),
        Enum.Parse<PrfId>(f.Text("prf")),
        Enum.Parse<DhGroup>(f.Text("dh")));

    private static EspSuite EspOf(string proposal) => proposal switch
    {
        "aes128-sha256" => new EspSuite(EncrId.ENCR_AES_CBC, 128, IntegId.AUTH_HMAC_SHA2_256_128),
        "aes256-sha256" => new EspSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA2_256_128),
        "aes256-sha1" => new EspSuite(EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA1_96),
        "aes128gcm16" => new EspSuite(EncrId.ENCR_AES_GCM_16, 128, IntegId.NONE),
        "aes256gcm16" => new EspSuite(EncrId.ENCR_AES_GCM_16, 256, IntegId.NONE),
        "chacha20poly1305" => new EspSuite(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE),
        _ => throw new ArgumentException(proposal),
    };

    [TestCaseSource(nameof(Suites))]
    public void DerivesSkKeysLikeStrongSwan(string name)
    {
        var f = Fixture.Load("strongswan", name);
        using var keys = IkeKeySchedule.Derive(SuiteOf(f), f.Hex("g_ir"), f.Hex("ni"), f.Hex("nr"), f.Spi("spi_i"), f.Spi("spi_r"));
        Assert.Multiple(() =>
        {
            Assert.That(Convert.ToHexStringLower(keys.SkD.Span), Is.EqualTo(f.Text("sk_d")), "SK_d");
            Assert.That(Convert.ToHexStringLower(keys.SkAi.Span), Is.EqualTo(f.Text("sk_ai")), "SK_ai");
            Assert.That(Convert.ToHexStringLower(keys.SkAr.Span), Is.EqualTo(f.Text("sk_ar")), "SK_ar");
            Assert.That(Convert.ToHexStringLower(keys.SkEi.Span), Is.EqualTo(f.Text("sk_ei")), "SK_ei");
            Assert.That(Convert.ToHexStringLower(keys.SkEr.Span), Is.EqualTo(f.Text("sk_er")), "SK_er");
            Assert.That(Convert.ToHexStringLower(keys.SkPi.Span), Is.EqualTo(f.Text("sk_pi")), "SK_pi");
            Assert.That(Convert.ToHexStringLower(keys.SkPr.Span), Is.EqualTo(f.Text("sk_pr")), "SK_pr");
        });
    }

    [TestCaseSource(nameof(Suites))]
    public void DerivesSkeyseedLikeStrongSwan(string name)
    {
        var f = Fixture.Load("strongswan", name);
        // SKEYSEED = prf(Ni | Nr, g^ir)
        var prf = Prf.Create(SuiteOf(f).Prf);
        byte[] skeyseed = prf.Compute([.. f.Hex("ni"), .. f.Hex("nr")], f.Hex("g_ir"));
        Assert.That(Convert.ToHexStringLower(skeyseed), Is.EqualTo(f.Text("skeyseed")));
    }

    [TestCaseSource(nameof(Suites))]
    public void DerivesChildSaKeysLikeStrongSwan(string name)
    {
        var f = Fixture.Load("strongswan", name);
        var prf = Prf.Create(SuiteOf(f).Prf);
        var (iToR, rToI) = ChildKeyMaterial.Derive(prf, f.Hex("sk_d"), f.Hex("ni"), f.Hex("nr"), EspOf(f.Text("esp_proposal")));
        using (iToR)
        using (rToI)
        {
            Assert.Multiple(() =>
            {
                Assert.That(Convert.ToHexStringLower(iToR.EncrKey.Span), Is.EqualTo(f.Text("child_encr_i")));
                Assert.That(Convert.ToHexStringLower(iToR.IntegKey.Span), Is.EqualTo(f.Text("child_integ_i")));
                Assert.That(Convert.ToHexStringLower(rToI.EncrKey.Span), Is.EqualTo(f.Text("child_encr_r")));
                Assert.That(Convert.ToHexStringLower(rToI.IntegKey.Span), Is.EqualTo(f.Text("child_integ_r")));
            });
        }
    }

    [TestCaseSource(nameof(Suites))]
    public void ReencodesStrongSwanIkeSaInitByteForByte(string name)
    {
        var f = Fixture.Load("strongswan", name);
        foreach (string key in new[] { "msg_ike_sa_init_request", "msg_ike_sa_init_response" })
        {
            byte[] bytes = f.Hex(key);
            var m = IkeMessage.Decode(bytes);
            Assert.That(IkeMessage.Encode(m.Header, m.Payloads), Is.EqualTo(bytes), key);
        }
        var request = IkeMessage.Decode(f.Hex("msg_ike_sa_init_request"));
        Assert.That(request.Find<NoncePayload>()!.Data, Is.EqualTo(f.Hex("ni")));
        Assert.That(request.Find<KeyExchangePayload>()!.Data, Is.EqualTo(f.Hex("ke_i")));
    }

    [TestCaseSource(nameof(Suites))]
    public void DecryptsStrongSwanIkeAuthAndVerifiesBothAuthPayloads(string name)
    {
        var f = Fixture.Load("strongswan", name);
        var suite = SuiteOf(f);
        using var keys = IkeKeySchedule.Derive(suite, f.Hex("g_ir"), f.Hex("ni"), f.Hex("nr"), f.Spi("spi_i"), f.Spi("spi_r"));
        var (outbound, inbound) = keys.CreateProtection(isInitiator: false, SystemRandom.Instance);
        var (iOut, iIn) = keys.CreateProtection(isInitiator: true, SystemRandom.Instance);
        using (outbound)
        using (inbound)
        using (iOut)
        using (iIn)
        {
            var prf = Prf.Create(suite.Prf);
            byte[] psk = f.Hex("psk");

            // HDR, SK {IDi, [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr} -->  (opened as the responder opens it)
            byte[] authRequest = f.Hex("msg_ike_auth_request");
            Assert.That(IkeMessage.Decode(authRequest).TryOpen(authRequest, inbound, out var req), Is.True, "SK_ei/SK_ai open the request");
            var idi = req.FindId(PayloadType.IDi)!;
            Assert.That(idi.ToText(), Is.EqualTo(f.Text("id_i")));
            Assert.That(PskAuthentication.Verify(prf, psk, f.Hex("msg_ike_sa_init_request"), f.Hex("nr"), keys.SkPi.Span, idi.BodyBytes(),
                req.Find<AuthenticationPayload>()!.Data), Is.True, "initiator AUTH");

            // <-- HDR, SK {IDr, AUTH, SAr2, TSi, TSr}  (opened as the initiator opens it)
            byte[] authResponse = f.Hex("msg_ike_auth_response");
            Assert.That(IkeMessage.Decode(authResponse).TryOpen(authResponse, iIn, out var resp), Is.True, "SK_er/SK_ar open the response");
            var idr = resp.FindId(PayloadType.IDr)!;
            Assert.That(idr.ToText(), Is.EqualTo(f.Text("id_r")));
            Assert.That(PskAuthentication.Verify(prf, psk, f.Hex("msg_ike_sa_init_response"), f.Hex("ni"), keys.SkPr.Span, idr.BodyBytes(),
                resp.Find<AuthenticationPayload>()!.Data), Is.True, "responder AUTH");
        }
    }

    [TestCaseSource(nameof(Suites))]
    public void FingerprintsIkeKeysLikeAnIndependentHashOfStrongSwansKeys(string name)
    {
        var f = Fixture.Load("strongswan", name);
        using var keys = IkeKeySchedule.Derive(SuiteOf(f), f.Hex("g_ir"), f.Hex("ni"), f.Hex("nr"), f.Spi("spi_i"), f.Spi("spi_r"));
        byte[] all = [.. new[] { "sk_d", "sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi", "sk_pr" }.SelectMany(f.Hex)];
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(all))[..16];
        Assert.That(KeymatFingerprint.Of(keys), Is.EqualTo(expected));
    }
}
