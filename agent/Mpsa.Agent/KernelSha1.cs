using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Sockets;

namespace Mpsa.Agent;

/// <summary>
/// SHA-1 from the kernel's crypto API (AF_ALG) for NAT detection where libssl is missing: opened once and checked
/// against the known answer for "abc" (FIPS 180-4 appendix A.1) before anything relies on it.
/// </summary>
internal static class KernelSha1
{
    private static readonly Lazy<KernelHash?> s_hash = new(Open);
    private static string? s_problem;

    /// <summary>The kernel's SHA-1, or null when this kernel has none to offer (see <see cref="Problem"/>).</summary>
    public static KernelHash? Hash => s_hash.Value;

    /// <summary>Why <see cref="Hash"/> is null.</summary>
    public static string? Problem => Hash is null ? s_problem : null;

    /// <summary>
    /// The kernel's SHA-1 for <see cref="NatDetection.Sha1"/>, with a way out should it fail later (out of file
    /// descriptors or memory): a random hash and a log line instead of an exception on the loop. A random hash makes
    /// either side see a NAT, so the SA goes in UDP on port 4500, which works with or without one.
    /// </summary>
    public static NatDetection.Sha1Function OrRandom(NatDetection.Sha1Function sha1, ILogger log) => (data, digest) =>
    {
        try
        {
            sha1(data, digest);
        }
        catch (SocketException e)
        {
            SystemRandom.Instance.Fill(digest);
            log.NatDetectionHashFailed(e.Message);
        }
    };

    private static KernelHash? Open()
    {
        var hash = KernelHash.TryOpen("sha1", 20, out s_problem);
        if (hash is null)
        {
            return null;
        }
        Span<byte> digest = stackalloc byte[20];
        try
        {
            hash.Compute("abc"u8, digest);
            if (Convert.ToHexStringLower(digest) == "a9993e364706816aba3e25717850c26c9cd0d89d")
            {
                return hash;
            }
            s_problem = "the kernel's sha1 gave a wrong answer";
        }
        catch (SocketException e)
        {
            s_problem = $"the kernel's sha1 failed: {e.Message}";
        }
        hash.Dispose();
        return null;
    }
}
