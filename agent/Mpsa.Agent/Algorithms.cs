using System.Runtime.InteropServices;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent;

/// <summary>
/// What this system can offer. Every System.Security.Cryptography call except the ones we avoid loads libssl and
/// aborts the process where it is missing, so the OpenSSL-backed algorithms are offered only when libssl loads.
/// </summary>
internal static class Algorithms
{
    private static readonly Lazy<bool> s_openSsl = new(() =>
        NativeLibrary.TryLoad("libssl.so.3", out var handle) && Free(handle));

    public static bool OpenSslAvailable => s_openSsl.Value;

    private static bool Free(IntPtr handle)
    {
        NativeLibrary.Free(handle);
        return true;
    }

    public static bool Usable(IkeSuite suite) => suite.IsSupported && (!suite.NeedsOpenSsl || OpenSslAvailable);

    public static string OfferedHere() => OpenSslAvailable
        ? "every supported algorithm (libssl found)"
        : "x25519, modp2048, chacha20poly1305, prfsha256/prfsha512 and sha256/sha512 integrity only (no libssl: AES, ECP, SHA-1 and SHA-384 need it)";

    public static bool Usable(PrfId prf) => Prf.IsSupported(prf) && (!Prf.NeedsOpenSsl(prf) || OpenSslAvailable);
}
