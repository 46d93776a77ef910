using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// The algorithms of an IKE SA as data (RFC 7296 §3.3.2). <paramref name="EncrKeyBits"/> is the Key Length attribute
/// (128/192/256) for AES, and 256 for ENCR_CHACHA20_POLY1305, which carries no Key Length attribute (RFC 7634 §4).
/// <paramref name="Integ"/> is <see cref="IntegId.NONE"/> for the AEAD ciphers (RFC 5282 §8, RFC 7634 §4).
/// </summary>
public sealed record IkeSuite(EncrId Encr, int EncrKeyBits, IntegId Integ, PrfId Prf, DhGroup Dh)
{
    /// <summary>The key exchange of ADDKE1 (RFC 9370), made in an IKE_INTERMEDIATE exchange after IKE_SA_INIT;
    /// <see cref="DhGroup.NONE"/> for none. Only ML-KEM-768 is implemented.</summary>
    public DhGroup AdditionalKe { get; init; } = DhGroup.NONE;

    public bool HasAdditionalKe => AdditionalKe != DhGroup.NONE;

    /// <summary>The agent's default suite: runs on libsodium alone, no libssl.</summary>
    public static IkeSuite Default { get; } =
        new(EncrId.ENCR_CHACHA20_POLY1305, 256, IntegId.NONE, PrfId.PRF_HMAC_SHA2_256, DhGroup.CURVE25519);

    /// <summary>Both daemons' default proposals: the default suite with ML-KEM-768 added (RFC 9370), then without it
    /// for peers that have no post-quantum key exchange. Both run on libsodium alone.</summary>
    public static IReadOnlyList<IkeSuite> DefaultProposals { get; } = [Default with { AdditionalKe = DhGroup.ML_KEM_768 }, Default];

    public bool IsAead => IsAeadCipher(Encr);

    /// <summary>
    /// SK_ei/SK_er length in bytes, including the 4-byte salt for AES-GCM (RFC 5282 §7.1) and ChaCha20-Poly1305
    /// (RFC 7634 §2, §4): 16/24/32 (CBC), 20/28/36 (GCM), 36 (ChaCha20-Poly1305).
    /// </summary>
    public int EncrKeyLength => EncrKeyLengthOf(Encr, EncrKeyBits);

    /// <summary>SK_ai/SK_ar length in bytes; 0 for AEAD.</summary>
    public int IntegKeyLength => Integrity.KeyLength(Integ);

    public bool IsSupported => IsEncrIntegSupported(Encr, EncrKeyBits, Integ)
        && Crypto.Prf.IsSupported(Prf)
        && DiffieHellman.IsSupported(Dh)
        && AdditionalKe is DhGroup.NONE or DhGroup.ML_KEM_768;

    /// <summary>True when any part runs on System.Security.Cryptography (libssl): everything except ChaCha20-Poly1305, HMAC-SHA2-256/512, Curve25519 and MODP-2048.</summary>
    public bool NeedsOpenSsl => Encr != EncrId.ENCR_CHACHA20_POLY1305
        || Integrity.NeedsOpenSsl(Integ)
        || Crypto.Prf.NeedsOpenSsl(Prf)
        || DiffieHellman.NeedsOpenSsl(Dh);

    /// <summary>strongSwan-like: "CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE25519", "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048".</summary>
    /// <remarks>
    /// Remembered per suite (a record compares by value), for the controller's line per connecting member: three enum
    /// names and the formatting were a third of that line's cost. The suites are the configured ones, so the table stays
    /// small; past <see cref="MaxNames"/> entries names are built each time.
    /// </remarks>
    public override string ToString()
    {
        lock (Names)
        {
            if (Names.TryGetValue(this, out var known))
            {
                return known;
            }
        }
        string integ = Integ == IntegId.NONE ? string.Empty : "/" + StripPrefix(Integ.ToString(), "AUTH_");
        string name = $"{EncrName(Encr, EncrKeyBits)}{integ}/{Prf}/{Dh}{(HasAdditionalKe ? "/KE1_" + AdditionalKe : "")}";
        lock (Names)
        {
            if (Names.Count < MaxNames)
            {
                Names.TryAdd(this, name);
            }
        }
        return name;
    }

    private const int MaxNames = 64;

    private static readonly Dictionary<IkeSuite, string> Names = [];   // under its own lock: a ConcurrentDictionary costs the agent 20 kB of code

    internal static bool IsAeadCipher(EncrId encr) =>
        encr is EncrId.ENCR_AES_GCM_8 or EncrId.ENCR_AES_GCM_12 or EncrId.ENCR_AES_GCM_16 or EncrId.ENCR_CHACHA20_POLY1305;

    internal static int EncrKeyLengthOf(EncrId encr, int keyBits) => encr switch
    {
        EncrId.ENCR_AES_CBC or EncrId.ENCR_AES_CTR when keyBits > 0 => keyBits / 8,
        EncrId.ENCR_AES_GCM_8 or EncrId.ENCR_AES_GCM_12 or EncrId.ENCR_AES_GCM_16 when keyBits > 0 => (keyBits / 8) + 4,
        EncrId.ENCR_CHACHA20_POLY1305 => 32 + 4,
        _ => 0,
    };

    /// <summary>The ENCR/INTEG pairs our encrypted-payload protection implements.</summary>
    internal static bool IsEncrIntegSupported(EncrId encr, int keyBits, IntegId integ) => encr switch
    {
        EncrId.ENCR_AES_CBC => keyBits is 128 or 192 or 256 && Integrity.IsSupported(integ),
        EncrId.ENCR_AES_GCM_16 => keyBits is 128 or 192 or 256 && integ == IntegId.NONE,
        EncrId.ENCR_CHACHA20_POLY1305 => keyBits == 256 && integ == IntegId.NONE,
        _ => false,
    };

    internal static string EncrName(EncrId encr, int keyBits)
    {
        string name = StripPrefix(encr.ToString(), "ENCR_");
        return encr == EncrId.ENCR_CHACHA20_POLY1305 ? name : $"{name}_{keyBits}";
    }

    private static string StripPrefix(string value, string prefix) =>
        value.StartsWith(prefix, StringComparison.Ordinal) ? value[prefix.Length..] : value;
}
