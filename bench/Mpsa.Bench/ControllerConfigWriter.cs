using System.Text;

namespace Mpsa.Bench;

/// <summary>A controller.conf with N members (the simulated CPEs) and spare members whose removal starts a rekey.</summary>
internal static class ControllerConfigWriter
{
    public static void Write(string path, ControllerConfigSpec spec, int sparesLeft)
    {
        var text = new StringBuilder();
        text.Append($"""
            # written by mpsa-bench: {spec.Members} members, {sparesLeft} spare members (removing one rekeys the group)
            [controller]
            identity = controller.bench
            listen = {spec.Listen}
            proposals = {spec.Ike}
            esp_proposals = aes256-sha256, chacha20poly1305
            control_socket = {spec.ControlSocket}
            state_dir = {spec.ControlSocket}.state
            log_level = {spec.LogLevel}
            cookie_threshold = {spec.CookieThreshold}
            # every simulated CPE comes from the generator's one address: lift the per-address and total bounds
            max_ike_sas = 1000000
            max_ike_sas_per_address = 1000000
            max_half_open = 1000000
            {spec.ControllerTail}
            [group bench]
            esp = aes256-sha256
            lifetime = {spec.Lifetime}
            rekey_margin = {spec.RekeyMargin}
            roll1 = {spec.Roll1}
            roll2 = {spec.Roll2}
            rekey_on_member_removal = yes

            """);
        for (int i = 0; i < spec.Members; i++)
        {
            Member(text, $"cpe{i}", spec.IdentityFormat.Replace("{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), spec);
        }
        for (int i = 0; i < sparesLeft; i++)
        {
            Member(text, $"spare{i}", $"spare{i}.bench", spec);
        }
        File.WriteAllText(path, text.ToString());
    }

    private static void Member(StringBuilder text, string name, string identity, ControllerConfigSpec spec) =>
        text.Append($"""
            [member {name}]
            identity = {identity}
            psk = "{spec.Psk}"
            group = bench
            require_vendor_id = {(spec.RequireVendorId ? "yes" : "no")}

            """);
}

/// <summary>The knobs of a generated controller.conf.</summary>
internal sealed record ControllerConfigSpec(int Members, string Listen, string Ike, string Psk, string IdentityFormat, string ControlSocket)
{
    public string LogLevel { get; init; } = "info";
    public int CookieThreshold { get; init; } = 100;
    public string Lifetime { get; init; } = "1h";
    public string RekeyMargin { get; init; } = "5m";
    public string Roll1 { get; init; } = "30s";
    public string Roll2 { get; init; } = "60s";
    public bool RequireVendorId { get; init; } = true;

    /// <summary>Text after the [controller] keys, before the group: more [controller] keys, then sections such as
    /// [cluster] (each line ending in a newline).</summary>
    public string ControllerTail { get; init; } = "";
}
