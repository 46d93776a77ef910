using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller.Groups;

/// <summary>One group's multi-point SA policy (draft §3.3.1, §3.3.3, §5.3).</summary>
internal sealed record GroupConfig(
    string Name,
    EspSuite Esp,
    PrfId Prf,
    TimeSpan Lifetime,
    TimeSpan RekeyMargin,
    TimeSpan Rollover1,
    TimeSpan Rollover2,
    bool RekeyOnMemberRemoval)
{
    /// <summary>require_pq: a member of this group must make its IKE SA with a post-quantum key exchange
    /// (a -ke1_mlkem768 suite), or IKE_AUTH refuses it.</summary>
    public bool RequirePostQuantum { get; init; }
}
