using Mpsa.Hosting;

namespace Mpsa.Controller.Cluster;

/// <summary>The files the <c>[cluster]</c> keys name: where they are, and whether a secret one is kept private.</summary>
internal static class ClusterFiles
{
    /// <summary>The value of <paramref name="key"/> as a path (relative to the configuration file), or null when unset.</summary>
    public static string? Path(ConfigSection c, string key) =>
        c.Optional(key, ConfigValues.NonEmptyString, null) is { } path ? CertificateConfig.Resolve(c, path) : null;

    /// <summary>Reports, and returns false, when group or others may read the secret at <paramref name="path"/> (the
    /// state key's rule); a missing file is left to the read that follows.</summary>
    public static bool IsPrivate(ConfigSection c, string key, string path, string what)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path) || !SecretFile.AllowsGroupOrOtherAccess(path))
        {
            return true;
        }
        c.Report(key, $"{path} has mode {SecretFile.FormatMode(File.GetUnixFileMode(path))}, which lets group or others read "
            + $"{what} (chmod 600)");
        return false;
    }
}
