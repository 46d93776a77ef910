using System.Globalization;

namespace Mpsa.Agent.GroupSa;

/// <summary>One row of <see cref="GroupSaManager.Snapshot"/>, for the status command and the control socket. No key material.</summary>
/// <param name="Spi">8 lowercase hex digits.</param>
/// <param name="State">"pending", "active" or "draining".</param>
/// <param name="SecondsLeft">Until the SA is planned to leave the kernel (rounded up, never negative).</param>
/// <param name="Suite">In swanctl syntax, "aes256-sha256".</param>
/// <param name="Fingerprint">First 16 lowercase hex digits of SHA-256(encr key || integ key).</param>
internal sealed record GroupSaStatus(string Spi, string State, long SecondsLeft, string Suite, string Fingerprint)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"spi {Spi} {State} {SecondsLeft}s {Suite} fp {Fingerprint}");
}
