using System.Net;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Wire;

/// <summary>Valid messages holding every payload type the system uses, for round trips and mutation.</summary>
internal static class SampleMessages
{
    public static readonly IkeSpi SpiI = new(0x0102030405060708);
    public static readonly IkeSpi SpiR = new(0x1112131415161718);

    public static IkeHeader Header(ExchangeType exchange, IkeFlags flags = IkeFlags.Initiator, uint messageId = 0) =>
        new(SpiI, exchange == ExchangeType.IKE_SA_INIT && (flags & IkeFlags.Response) == 0 ? default : SpiR, PayloadType.NoNextPayload, exchange, flags, messageId, 0);

    public static SecurityAssociationPayload IkeSa() => new([
        new ProposalSubstructure(1, ProtocolId.IKE, [], [
            new TransformSubstructure(TransformType.ENCR, (ushort)EncrId.ENCR_CHACHA20_POLY1305),
            new TransformSubstructure(TransformType.PRF, (ushort)PrfId.PRF_HMAC_SHA2_256),
            new TransformSubstructure(TransformType.DH, (ushort)DhGroup.CURVE25519),
        ]),
        new ProposalSubstructure(2, ProtocolId.IKE, [], [
            TransformSubstructure.WithKeyLength(TransformType.ENCR, (ushort)EncrId.ENCR_AES_CBC, 256),
            new TransformSubstructure(TransformType.PRF, (ushort)PrfId.PRF_HMAC_SHA2_256),
            new TransformSubstructure(TransformType.INTEG, (ushort)IntegId.AUTH_HMAC_SHA2_256_128),
            new TransformSubstructure(TransformType.DH, (ushort)DhGroup.MODP_2048),
        ]),
    ]);

    public static byte[] IkeSaInitRequest() => IkeMessage.Encode(Header(ExchangeType.IKE_SA_INIT), [
        IkeSa(),
        new KeyExchangePayload(DhGroup.CURVE25519, Filled(32, 0x11)),
        new NoncePayload(Filled(32, 0x22)),
        new NotifyPayload(NotifyType.NAT_DETECTION_SOURCE_IP, Filled(20, 0x33)),
        VendorIdPayload.Mpsa(),
    ]);

    /// <summary>The inner payloads of an IKE_AUTH request plus everything else that travels inside SK.</summary>
    public static IPayload[] EveryInnerPayload() => [
        IdentificationPayload.FromText(PayloadType.IDi, "cpe1.example.net"),
        new CertificatePayload(CertEncoding.X509_CERTIFICATE_SIGNATURE, Filled(40, 0x44)),
        new CertificateRequestPayload(CertEncoding.X509_CERTIFICATE_SIGNATURE, Filled(20, 0x55)),
        IdentificationPayload.FromText(PayloadType.IDr, "192.0.2.1"),
        new AuthenticationPayload(AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE, Filled(32, 0x66)),
        new SecurityAssociationPayload([new ProposalSubstructure(1, ProtocolId.ESP, [0xc0, 0, 0, 1], [
            TransformSubstructure.WithKeyLength(TransformType.ENCR, (ushort)EncrId.ENCR_AES_CBC, 128),
            new TransformSubstructure(TransformType.INTEG, (ushort)IntegId.AUTH_HMAC_SHA2_256_128),
            new TransformSubstructure(TransformType.ESN, (ushort)EsnId.NO_ESN),
        ])]),
        new TrafficSelectorPayload(PayloadType.TSi, [TrafficSelector.ForHost(IPAddress.Parse("192.0.2.10")), TrafficSelector.AnyIPv6]),
        new TrafficSelectorPayload(PayloadType.TSr, [new TrafficSelector(TsType.TS_IPV4_ADDR_RANGE, 17, 500, 500,
            IPAddress.Parse("10.0.0.0"), IPAddress.Parse("10.0.0.255"))]),
        new NotifyPayload(ProtocolId.ESP, NotifyType.REKEY_SA, [1, 2, 3, 4], []),
        new DeletePayload(ProtocolId.ESP, [0xc0000001, 0xc0000002]),
        DeletePayload.IkeSa,
        new VendorIdPayload(Filled(16, 0x77)),
    ];

    public static byte[] EveryPayloadCleartext() =>
        IkeMessage.Encode(Header(ExchangeType.IKE_AUTH, messageId: 1), [.. EveryInnerPayload(), IkeSa(), SampleMpsaPut().ToNotify()]);

    /// <summary>draft-mpsa §3.2.2 example values: ESP, AES-CBC 256, PRF-HMAC-SHA1, HMAC-SHA1-96.</summary>
    public static MpsaPut SampleMpsaPut() => new(
        new EspSpi(0xc0ffee01), EncrId.ENCR_AES_CBC, 256, IntegId.AUTH_HMAC_SHA1_96, PrfId.PRF_HMAC_SHA1,
        Filled(32, 0xa5), SecretBytes.CopyFrom(Filled(20, 0x5a)), 3600, 30, 60);

    public static byte[] Filled(int n, byte value) => Enumerable.Repeat(value, n).ToArray();
}
