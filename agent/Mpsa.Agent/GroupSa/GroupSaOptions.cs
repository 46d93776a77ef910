using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Agent.GroupSa;

/// <summary>Which algorithms the agent accepts in MPSA_PUT, on top of what it can install at all.</summary>
internal sealed record GroupSaOptions
{
    public static GroupSaOptions Default { get; } = new();

    /// <summary>ESP suites allowed (compared by value: cipher, key bits, INTEG); null allows every suite the kernel can take.</summary>
    public IReadOnlyCollection<EspSuite>? AllowedSuites { get; init; }

    /// <summary>PRFs allowed for prf+(SK_d, Nonce); null allows every supported PRF.</summary>
    public IReadOnlyCollection<PrfId>? AllowedPrfs { get; init; }
}
