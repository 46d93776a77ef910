using System.Diagnostics.CodeAnalysis;

namespace Mpsa.Ike.Certificates;

/// <summary>
/// Whether this build carries certificate authentication. The PSK-only agent (package mpsa-agent) is published with
/// the switch off; the trimmer then drops every X.509, RSA and ECDSA path behind a check of <see cref="IsEnabled"/>.
/// Each such check must sit in the method that branches, right before the certificate call, for the trimmer to see it.
/// </summary>
public static class CertificateSupport
{
    public const string Switch = "Mpsa.Certificates";

    /// <summary>The package that carries certificate authentication, for the line that tells a PSK-only agent's user.</summary>
    public const string Package = "mpsa-agent-openssl";

    private static readonly bool s_enabled = !AppContext.TryGetSwitch(Switch, out bool on) || on;   // read once: a lookup under a lock

    [FeatureSwitchDefinition(Switch)]
    public static bool IsEnabled => s_enabled;
}
