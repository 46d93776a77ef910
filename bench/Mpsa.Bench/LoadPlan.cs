using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;

namespace Mpsa.Bench;

/// <summary>What every simulated CPE offers, and when its setup counts as done.</summary>
internal sealed record LoadPlan(
    System.Net.IPEndPoint Target,
    IkeSuite Ike,
    EspSuite Esp,
    SecretBytes Psk,
    string IdentityFormat,
    string ResponderIdentity,
    bool WaitForMpsa,
    IReadOnlyList<TrafficSelector> LocalSelectors,
    IReadOnlyList<TrafficSelector> RemoteSelectors)
{
    /// <summary>Each CPE keeps the SPI and KEYMAT fingerprint of every group SA it receives
    /// (<see cref="SimulatedCpe.GroupSas"/>): for tests that compare them; off in measurements (a key derivation per
    /// MPSA_PUT).</summary>
    public bool KeepGroupSas { get; init; }

    /// <summary>Whether IKE_AUTH asks for a CHILD_SA (`--childless yes` asks for none, RFC 6023): for responders that
    /// cannot install one here (strongSwan 6's kernel-libipsec on this kernel).</summary>
    public bool RequestChildSa { get; init; } = true;

    public string IdentityOf(int index) => IdentityFormat.Replace("{i}", index.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
}
