using System.Runtime.InteropServices;
using Mpsa.Ike.Certificates;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent;

/// <summary>
/// What this system can compute, decided by one probe at start: does libssl load. Every System.Security.Cryptography
/// call except the ones we avoid loads libssl and aborts the process where it is missing, so everything that would
/// need it (AES, ECP, MODP on libcrypto, SHA-1/SHA-384, certificates) is offered only with it. NAT detection's SHA-1
/// comes from the kernel (AF_ALG, <see cref="KernelSha1"/>) where libssl is missing. The config check, the proposals,
/// the refusal of group SAs and self-check all ask this one object, so they cannot disagree.
/// </summary>
internal sealed class Capabilities(bool openSsl, bool sha1FromKernel = false)
{
    private static readonly Lazy<Capabilities> s_here = new(Probe);

    private static Capabilities Probe()
    {
        bool openSsl = NativeLibrary.TryLoad("libssl.so.3", out var handle) && Free(handle);
        return new(openSsl, !openSsl && KernelSha1.Hash is not null);
    }

    /// <summary>This system's, probed once.</summary>
    public static Capabilities Here => s_here.Value;

    public bool OpenSsl { get; } = openSsl;

    /// <summary>An IKE suite this system can run (propose, and take when the controller picks it).</summary>
    public bool Usable(IkeSuite suite) => suite.IsSupported && (!suite.NeedsOpenSsl || OpenSsl);

    /// <summary>A PRF this system can compute: the group SA's KEYMAT = prf+(SK_d, Nonce), the IKE SA's key schedule.</summary>
    public bool Usable(PrfId prf) => Prf.IsSupported(prf) && (!Prf.NeedsOpenSsl(prf) || OpenSsl);

    public bool Usable(IntegId integ) => Integrity.IsSupported(integ) && (!Integrity.NeedsOpenSsl(integ) || OpenSsl);

    public bool Usable(DhGroup group) => DiffieHellman.IsSupported(group) && (!DiffieHellman.NeedsOpenSsl(group) || OpenSsl);

    /// <summary>IKE encryption: ChaCha20-Poly1305 comes from libsodium, AES from libssl.</summary>
    public bool Usable(EncrId encr) => encr == EncrId.ENCR_CHACHA20_POLY1305 || (OpenSsl && encr is EncrId.ENCR_AES_CBC or EncrId.ENCR_AES_GCM_16);

    /// <summary>NAT detection's SHA-1 from the kernel (AF_ALG), probed only where libssl is missing.</summary>
    public bool Sha1FromKernel { get; } = sha1FromKernel;

    /// <summary>NAT detection hashes with SHA-1: libssl's or the kernel's; certificates parse and verify with libssl.</summary>
    public bool NatDetection => OpenSsl || Sha1FromKernel;

    public bool Certificates => CertificateSupport.IsEnabled && OpenSsl;

    /// <summary>The PRFs a group SA may use here.</summary>
    public IReadOnlyList<PrfId> GroupPrfs => Array.FindAll(Enum.GetValues<PrfId>(), Usable);

    /// <summary>One line for the start-up log and self-check, derived from the same answers.</summary>
    public string Describe()
    {
        string encr = Names([EncrId.ENCR_CHACHA20_POLY1305, EncrId.ENCR_AES_CBC, EncrId.ENCR_AES_GCM_16], Usable,
            e => SuiteNames.EncrName(e, 256).Replace("256", "", StringComparison.Ordinal));
        string prf = Names(Enum.GetValues<PrfId>(), Usable, SuiteNames.PrfName);
        string integ = Names(Enum.GetValues<IntegId>(), Usable, SuiteNames.IntegName);
        string dh = Names(Enum.GetValues<DhGroup>(), Usable, SuiteNames.GroupName);
        string nat = Sha1FromKernel
            ? "NAT detection with the kernel's SHA-1 (AF_ALG)"
            : "NAT detection needs it or the kernel's AF_ALG hash (kmod-crypto-user), encap = yes goes through a NAT without either";
        string missing = (OpenSsl, CertificateSupport.IsEnabled) switch
        {
            (true, true) => "libssl found",
            (false, true) => $"no libssl: AES, ECP, MODP, SHA-1, SHA-384 and certificates need it; {nat}",
            (true, false) => $"libssl found; certificate authentication is in the package {CertificateSupport.Package}",
            (false, false) => $"no libssl: AES, ECP, MODP, SHA-1 and SHA-384 need it; {nat}; certificate authentication is in the package {CertificateSupport.Package}",
        };
        return $"IKE {encr}, {integ}, {prf}, {dh}; group SAs with {prf} ({missing})";
    }

    /// <summary>The usable values' names joined by '/', each once, empty ones left out.</summary>
    private static string Names<T>(T[] values, Predicate<T> usable, Func<T, string> name)
    {
        var names = new List<string>();
        foreach (var value in values)
        {
            if (usable(value) && name(value) is { Length: > 0 } n && !names.Contains(n))
            {
                names.Add(n);
            }
        }
        return string.Join('/', names);
    }

    private static bool Free(IntPtr handle)
    {
        NativeLibrary.Free(handle);
        return true;
    }
}
