using Mpsa.Hosting;

namespace Mpsa.Controller.Cluster;

/// <summary>The <c>[cluster]</c> section: this replica's name and the etcd cluster all replicas share.</summary>
internal sealed record ClusterSettings(IReadOnlyList<string> Etcd, string Name, TimeSpan LeaseTtl, string Prefix)
{
    private static readonly ValueParser<string> EtcdUrl = new("an etcd client URL (http://HOST:PORT or https://HOST:PORT)",
        static (string text, out string value, out string? problem) =>
        {
            value = text;
            bool ok = Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                && uri.AbsolutePath == "/" && !uri.IsDefaultPort;
            problem = ok ? null : $"'{text}' is not an etcd client URL (http://HOST:PORT or https://HOST:PORT)";
            return ok;
        });

    /// <summary>TLS to etcd (https:// URLs): whom to trust and which client certificate to show; null over http://.</summary>
    public EtcdTls? Tls { get; init; }

    /// <summary>etcd's user name and password authentication; null when etcd runs without auth.</summary>
    public EtcdAuth? Auth { get; init; }

    /// <summary>The section, or null when the file has none (standalone: the state file).</summary>
    public static ClusterSettings? Read(ConfigReader config)
    {
        var c = config.Section("cluster");
        if (!c.Exists)
        {
            return null;
        }
        var etcd = c.Required("etcd", ConfigValues.List(EtcdUrl)) ?? [];
        bool https = etcd.Count > 0 && etcd[0].StartsWith("https:", StringComparison.Ordinal);
        if (etcd.Any(u => u.StartsWith("https:", StringComparison.Ordinal) != https))
        {
            c.Report("etcd", "mixes http:// and https:// URLs: every member is reached the same way");
        }
        return new ClusterSettings(
            etcd,
            c.String("name"),
            c.Optional("lease_ttl", ConfigValues.DurationBetween(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60)), TimeSpan.FromSeconds(10)),
            c.String("prefix", "/mpsa")!)
        {
            Tls = EtcdTls.Read(c, https),
            Auth = EtcdAuth.Read(c),
        };
    }
}
