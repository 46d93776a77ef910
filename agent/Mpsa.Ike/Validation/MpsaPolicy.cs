using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Ike.Validation;

/// <summary>What a CPE's configuration and kernel allow in MPSA_PUT, on top of the draft's own rules.</summary>
public sealed record MpsaPolicy
{
    public static MpsaPolicy Default { get; } = new();

    /// <summary>Group SAs a CPE holds for its group at most: current, next and one draining.</summary>
    public const int MaxGroupSas = 3;

    /// <summary>ESP suites allowed (by value: cipher, key bits, INTEG); null allows every suite that can be installed.</summary>
    public IReadOnlyCollection<EspSuite>? AllowedSuites { get; init; }

    /// <summary>PRFs this system can compute for prf+(SK_d, Nonce) (the agent's capability probe); null: every supported PRF.</summary>
    public IReadOnlyCollection<PrfId>? AllowedPrfs { get; init; }

    /// <summary>Whether the data plane can install the suite (the kernel's algorithm names); null: any supported suite.</summary>
    public Func<EspSuite, bool>? Installable { get; init; }

    /// <summary>
    /// Accept AES-GCM or ChaCha20-Poly1305 for a shared SA. Unsafe: every member generates IVs under the same key, so
    /// two members can reuse a nonce (docs/PROTOCOL.md). Config key <c>unsafe_counter_mode_aead</c>.
    /// </summary>
    public bool AllowCounterModeAead { get; init; }

    /// <summary>Refuse MPSA_PUT from a peer that sent no V(MPSA) in IKE_SA_INIT (config <c>require_vendor_id</c>).</summary>
    public bool RequireVendorId { get; init; } = true;
}
