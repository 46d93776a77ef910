using Mpsa.Hosting;

namespace Mpsa.Controller.Cluster;

/// <summary>The <c>[cluster]</c> section: this replica's name and the etcd cluster all replicas share.</summary>
internal sealed record ClusterSettings(IReadOnlyList<string> Etcd, string Name, TimeSpan LeaseTtl, string Prefix)
{
    private static readonly ValueParser<string> EtcdUrl = new("an etcd client URL (http://HOST:PORT)", static (string text, out string value, out string? problem) =>
    {
        value = text;
        bool ok = Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == "http" && uri.AbsolutePath == "/" && !uri.IsDefaultPort;
        problem = ok ? null : $"'{text}' is not an etcd client URL (http://HOST:PORT)";
        return ok;
    });

    /// <summary>The section, or null when the file has none (standalone: the state file).</summary>
    public static ClusterSettings? Read(ConfigReader config)
    {
        var c = config.Section("cluster");
        if (!c.Exists)
        {
            return null;
        }
        return new ClusterSettings(
            c.Required("etcd", ConfigValues.List(EtcdUrl)),
            c.String("name"),
            c.Optional("lease_ttl", ConfigValues.DurationBetween(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60)), TimeSpan.FromSeconds(10)),
            c.String("prefix", "/mpsa")!);
    }
}
