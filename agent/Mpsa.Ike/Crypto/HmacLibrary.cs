using System.Diagnostics.CodeAnalysis;

namespace Mpsa.Ike.Crypto;

/// <summary>Which library computes HMAC-SHA-256 (PRF_HMAC_SHA2_256, AUTH_HMAC_SHA2_256_128): libsodium unless a process prefers libcrypto.</summary>
public static class HmacLibrary
{
    /// <summary>Off in the agent's csproj, so that the trimmer drops the libcrypto path (<see cref="LibcryptoHmac"/>) from its binary.</summary>
    public const string Switch = "Mpsa.HmacOnLibcrypto";

    private static readonly bool s_canUseLibcrypto = !AppContext.TryGetSwitch(Switch, out bool on) || on;   // read once: a lookup under a lock

    [FeatureSwitchDefinition(Switch)]
    internal static bool CanUseLibcrypto => s_canUseLibcrypto;

    /// <summary>
    /// HMAC-SHA-256 on libcrypto from now on, where it loads (the controller: every server that runs .NET has it, and its
    /// SHA-256 uses the CPU's SHA extensions); returns whether it does. The agent keeps libsodium.
    /// </summary>
    public static bool PreferLibcrypto() => Hmac.Sha256OnLibcrypto = CanUseLibcrypto && LibcryptoHmac.IsAvailable;

    /// <summary>"libcrypto" or "libsodium", for the start-up log.</summary>
    public static string Sha256 => Hmac.Sha256OnLibcrypto ? "libcrypto" : "libsodium";
}
