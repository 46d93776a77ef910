using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Crypto;

/// <summary>
/// Suites written the way strongSwan's swanctl writes proposals, so operators of both read the same thing:
/// IKE "aes256-sha256-prfsha256-x25519", "chacha20poly1305-prfsha256-x25519"; ESP "aes256-sha256", "aes128gcm16".
/// Without a prf keyword the PRF follows the integrity algorithm, as in strongSwan.
/// </summary>
public static class SuiteNames
{
    private static readonly Dictionary<string, (EncrId Id, int Bits)> Encryption = new(StringComparer.OrdinalIgnoreCase)
    {
        ["aes128"] = (EncrId.ENCR_AES_CBC, 128),
        ["aes192"] = (EncrId.ENCR_AES_CBC, 192),
        ["aes256"] = (EncrId.ENCR_AES_CBC, 256),
        ["aes128gcm16"] = (EncrId.ENCR_AES_GCM_16, 128),
        ["aes256gcm16"] = (EncrId.ENCR_AES_GCM_16, 256),
        ["aes128gcm"] = (EncrId.ENCR_AES_GCM_16, 128),
        ["aes256gcm"] = (EncrId.ENCR_AES_GCM_16, 256),
        ["chacha20poly1305"] = (EncrId.ENCR_CHACHA20_POLY1305, 256),
    };

    private static readonly Dictionary<string, IntegId> Integrity = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sha1"] = IntegId.AUTH_HMAC_SHA1_96,
        ["sha256"] = IntegId.AUTH_HMAC_SHA2_256_128,
        ["sha384"] = IntegId.AUTH_HMAC_SHA2_384_192,
        ["sha512"] = IntegId.AUTH_HMAC_SHA2_512_256,
    };

    private static readonly Dictionary<string, PrfId> Prfs = new(StringComparer.OrdinalIgnoreCase)
    {
        ["prfsha1"] = PrfId.PRF_HMAC_SHA1,
        ["prfsha256"] = PrfId.PRF_HMAC_SHA2_256,
        ["prfsha384"] = PrfId.PRF_HMAC_SHA2_384,
        ["prfsha512"] = PrfId.PRF_HMAC_SHA2_512,
    };

    private static readonly Dictionary<string, DhGroup> Groups = new(StringComparer.OrdinalIgnoreCase)
    {
        ["x25519"] = DhGroup.CURVE25519,
        ["curve25519"] = DhGroup.CURVE25519,
        ["ecp256"] = DhGroup.ECP_256,
        ["ecp384"] = DhGroup.ECP_384,
        ["modp2048"] = DhGroup.MODP_2048,
    };

    /// <summary>Additional key exchanges (RFC 9370), as strongSwan names them after "ke1_".</summary>
    private static readonly Dictionary<string, DhGroup> AdditionalGroups = new(StringComparer.OrdinalIgnoreCase)
    {
        ["mlkem768"] = DhGroup.ML_KEM_768,
    };

    private const string AdditionalPrefix = "ke1_";

    public const string IkeSyntax = "encryption[-integrity]-prf-group[-ke1_mlkem768], e.g. chacha20poly1305-prfsha256-x25519, aes256-sha256-prfsha256-ecp256 or aes256-sha256-x25519-ke1_mlkem768";
    public const string EspSyntax = "encryption[-integrity], e.g. aes256-sha256 or aes128gcm16";

    public static bool TryParseIke(string text, out IkeSuite suite, out string? error)
    {
        suite = null!;
        var parts = text.Trim().Split('-');
        DhGroup additional = DhGroup.NONE;
        if (parts.Length > 1 && parts[^1].StartsWith(AdditionalPrefix, StringComparison.OrdinalIgnoreCase))
        {
            if (!AdditionalGroups.TryGetValue(parts[^1][AdditionalPrefix.Length..], out additional))
            {
                error = $"'{text}': '{parts[^1]}' is not an additional key exchange this build makes (ke1_mlkem768)";
                return false;
            }
            Array.Resize(ref parts, parts.Length - 1);
        }
        if (!TryEncryption(parts, out var encr, out int next, out error))
        {
            return false;
        }
        IntegId integ = IntegId.NONE;
        if (next < parts.Length && Integrity.TryGetValue(parts[next], out var i))
        {
            integ = i;
            next++;
        }
        PrfId? prf = null;
        if (next < parts.Length && Prfs.TryGetValue(parts[next], out var p))
        {
            prf = p;
            next++;
        }
        prf ??= integ switch
        {
            IntegId.AUTH_HMAC_SHA1_96 => PrfId.PRF_HMAC_SHA1,
            IntegId.AUTH_HMAC_SHA2_256_128 => PrfId.PRF_HMAC_SHA2_256,
            IntegId.AUTH_HMAC_SHA2_384_192 => PrfId.PRF_HMAC_SHA2_384,
            IntegId.AUTH_HMAC_SHA2_512_256 => PrfId.PRF_HMAC_SHA2_512,
            _ => null,
        };
        if (next != parts.Length - 1 || !Groups.TryGetValue(parts[next], out var dh) || prf is null)
        {
            error = $"'{text}' is not an IKE proposal ({IkeSyntax})";
            return false;
        }
        bool aead = encr.Id is EncrId.ENCR_AES_GCM_16 or EncrId.ENCR_CHACHA20_POLY1305;
        if (aead != (integ == IntegId.NONE))
        {
            error = aead ? $"'{text}': an AEAD cipher takes no integrity algorithm" : $"'{text}': AES-CBC needs an integrity algorithm";
            return false;
        }
        suite = new IkeSuite(encr.Id, encr.Bits, integ, prf.Value, dh) { AdditionalKe = additional };
        if (!suite.IsSupported)
        {
            error = $"'{text}' is not supported by this build";
            return false;
        }
        return true;
    }

    public static bool TryParseEsp(string text, out EspSuite suite, out string? error)
    {
        suite = null!;
        var parts = text.Trim().Split('-');
        if (!TryEncryption(parts, out var encr, out int next, out error))
        {
            return false;
        }
        IntegId integ = IntegId.NONE;
        if (next < parts.Length && Integrity.TryGetValue(parts[next], out var i))
        {
            integ = i;
            next++;
        }
        bool aead = encr.Id is EncrId.ENCR_AES_GCM_16 or EncrId.ENCR_CHACHA20_POLY1305;
        if (next != parts.Length || aead != (integ == IntegId.NONE))
        {
            error = $"'{text}' is not an ESP proposal ({EspSyntax})";
            return false;
        }
        suite = new EspSuite(encr.Id, encr.Bits, integ);
        return true;
    }

    private static bool TryEncryption(string[] parts, out (EncrId Id, int Bits) encr, out int next, out string? error)
    {
        next = 1;
        error = null;
        if (parts.Length > 0 && Encryption.TryGetValue(parts[0], out encr))
        {
            return true;
        }
        error = $"unknown encryption '{(parts.Length > 0 ? parts[0] : "")}' (one of {string.Join(", ", Encryption.Keys)})";
        encr = default;
        return false;
    }

    public static string Name(IkeSuite s) => JoinNonEmpty(EncrName(s.Encr, s.EncrKeyBits), IntegName(s.Integ), PrfName(s.Prf), GroupName(s.Dh),
        s.HasAdditionalKe ? AdditionalPrefix + (NameOf(AdditionalGroups, s.AdditionalKe) ?? s.AdditionalKe.ToString()) : "");

    /// <summary>Every key exchange of an IKE SA, as status shows them: "x25519", "x25519+mlkem768".</summary>
    public static string KeyExchanges(IkeSuite s) =>
        s.HasAdditionalKe ? GroupName(s.Dh) + "+" + (NameOf(AdditionalGroups, s.AdditionalKe) ?? s.AdditionalKe.ToString()) : GroupName(s.Dh);

    public static string Name(EspSuite s) => JoinNonEmpty(EncrName(s.Encr, s.EncrKeyBits), IntegName(s.Integ));

    /// <summary>The non-empty parts joined with '-'.</summary>
    private static string JoinNonEmpty(params ReadOnlySpan<string> parts)
    {
        var name = new System.Text.StringBuilder();
        foreach (string part in parts)
        {
            if (part.Length > 0)
            {
                name.Append(name.Length > 0 ? "-" : "").Append(part);
            }
        }
        return name.ToString();
    }

    public static string EncrName(EncrId id, int bits) => id switch
    {
        EncrId.ENCR_AES_CBC => $"aes{bits}",
        EncrId.ENCR_AES_GCM_16 => $"aes{bits}gcm16",
        EncrId.ENCR_CHACHA20_POLY1305 => "chacha20poly1305",
        _ => id.ToString(),
    };

    public static string IntegName(IntegId id) => NameOf(Integrity, id) ?? "";

    public static string PrfName(PrfId id) => NameOf(Prfs, id) ?? id.ToString();

    public static string GroupName(DhGroup id) => NameOf(Groups, id) ?? id.ToString();

    /// <summary>The first name that maps to <paramref name="id"/>, or null.</summary>
    private static string? NameOf<T>(Dictionary<string, T> names, T id) where T : struct, Enum
    {
        foreach (var (name, value) in names)
        {
            if (EqualityComparer<T>.Default.Equals(value, id))
            {
                return name;
            }
        }
        return null;
    }
}
