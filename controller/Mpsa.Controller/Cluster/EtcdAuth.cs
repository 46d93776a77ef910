using System.Text;
using Mpsa.Hosting;

namespace Mpsa.Controller.Cluster;

/// <summary>
/// etcd's user name and password authentication: <c>etcd_user</c> and <c>etcd_password_file</c> (a file of its own,
/// mode 0600, holding the password on one line). The password is sent once to get a token (see <see cref="EtcdToken"/>);
/// over http:// it crosses the network in clear, so use it with https:// URLs off the host.
/// </summary>
internal sealed class EtcdAuth(string user, string password)
{
    /// <summary>Longest password file read: a password is a line, not a document.</summary>
    private const int MaxFileLength = 4096;

    public string User { get; } = user;

    public string Password { get; } = password;

    /// <summary>Never shows the password.</summary>
    public override string ToString() => $"{User} [password]";

    /// <summary>The section's etcd user and password; null when it has neither key.</summary>
    public static EtcdAuth? Read(ConfigSection c)
    {
        string? user = c.Optional("etcd_user", ConfigValues.NonEmptyString, null);
        string? path = ClusterFiles.Path(c, "etcd_password_file");
        if ((user is null) != (path is null))
        {
            c.Report(user is null ? "etcd_user" : "etcd_password_file", user is null
                ? "missing: etcd_password_file is the password of an etcd user (etcd_user = NAME)"
                : "missing: the file holding the user's password (etcd_password_file = FILE)");
            return null;
        }
        return user is null || path is null || ReadPassword(c, path) is not { } password ? null : new EtcdAuth(user, password);
    }

    private static string? ReadPassword(ConfigSection c, string path)
    {
        const string Key = "etcd_password_file";
        if (!ClusterFiles.IsPrivate(c, Key, path, "the etcd password"))
        {
            return null;
        }
        string text;
        try
        {
            if (new FileInfo(path).Length > MaxFileLength)
            {
                c.Report(Key, $"{path} is larger than {MaxFileLength} bytes: not a password file");
                return null;
            }
            text = File.ReadAllText(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            c.Report(Key, $"cannot read {path}: {e.Message}");
            return null;
        }
        catch (DecoderFallbackException)
        {
            c.Report(Key, $"{path}: the password is not UTF-8 text");
            return null;
        }
        string password = text.TrimEnd('\r', '\n');
        string? problem = password.Length == 0 ? "the file is empty"
            : password.AsSpan().IndexOfAny('\r', '\n') >= 0 ? "the password must be a single line"
            : null;
        if (problem is not null)
        {
            c.Report(Key, $"{path}: {problem}");
            return null;
        }
        return password;
    }
}
