using Mpsa.Controller;
using Mpsa.Hosting;
using Mpsa.Tests.Cluster;

namespace Mpsa.Tests.Config;

/// <summary>The <c>[cluster]</c> keys for reaching etcd: https:// with etcd_ca, etcd_cert and etcd_key, and etcd_user with
/// etcd_password_file. Files are checked when the file is read (check-config), each problem one FILE:LINE line.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ClusterEtcdConfigTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private string _dir = "";
    private string _path = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("mpsa-etcd-config-").FullName;
        _path = Path.Combine(_dir, "controller.conf");
        _ = new EtcdPki(_dir);
        Write("password", "etcd secret\n", Private);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private void Write(string name, string text, UnixFileMode mode)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
    }

    /// <summary>Reads a controller file whose [cluster] section starts at line 9 with <c>etcd = </c><paramref name="etcd"/>;
    /// <paramref name="keys"/> follow from line 12.</summary>
    private (ControllerSettings? Settings, string[] Errors) Read(string etcd, string keys)
    {
        string text = $"""
            [controller]
            identity = controller.test
            [group g]
            [member cpe]
            identity = cpe.test
            psk = "x"
            group = g

            [cluster]
            etcd = {etcd}
            name = r1
            {keys}
            """;
        ConfigReader.TryRead(IniFile.Parse(_path, text), r => ControllerConfigFile.Read(r, _ => { }), out var s, out var errors);
        return (s, [.. errors.Select(e => e.ToString())]);
    }

    private const string Https = "https://127.0.0.1:2379, https://127.0.0.1:22379";

    [Test]
    public void ReadsTlsAndAUserWithPathsRelativeToTheFile()
    {
        var (s, errors) = Read(Https, "etcd_ca = ca.pem\netcd_cert = client.pem\netcd_key = client.key\netcd_user = mpsa\netcd_password_file = password");
        Assert.That(errors, Is.Empty);
        var cluster = s!.Cluster!;
        Assert.That(cluster.Tls!.Authorities!.Count, Is.EqualTo(1));
        Assert.That(cluster.Tls.Client!.TargetCertificate.Subject, Is.EqualTo("CN=mpsa-controller"));
        Assert.That((cluster.Auth!.User, cluster.Auth.Password), Is.EqualTo(("mpsa", "etcd secret")), "the final newline is not the password's");
        Assert.That(cluster.ToString(), Does.Not.Contain("etcd secret"));
    }

    [Test]
    public void HttpsAloneTrustsTheSystemStoreAndHttpNeedsNothing()
    {
        var (s, errors) = Read(Https, "");
        Assert.That(errors, Is.Empty);
        Assert.That(s!.Cluster!.Tls!.Authorities, Is.Null, "the system's trust store");
        Assert.That((s.Cluster.Tls.Client, s.Cluster.Auth), Is.EqualTo(((object?)null, (object?)null)));
        (s, errors) = Read("http://127.0.0.1:2379", "etcd_user = mpsa\netcd_password_file = password");
        Assert.That(errors, Is.Empty);
        Assert.That((s!.Cluster!.Tls, s.Cluster.Auth!.User), Is.EqualTo(((object?)null, "mpsa")));
    }

    [TestCase("http://127.0.0.1:2379, https://127.0.0.1:22379", "", 10,
        "etcd: mixes http:// and https:// URLs: every member is reached the same way")]
    [TestCase("https://127.0.0.1", "", 10, "etcd: 'https://127.0.0.1' is not an etcd client URL (http://HOST:PORT or https://HOST:PORT)")]
    [TestCase("http://127.0.0.1:2379", "etcd_ca = ca.pem", 12, "etcd_ca: only for https:// etcd URLs (etcd is reached over http://)")]
    [TestCase(Https, "etcd_cert = client.pem", 9, "etcd_key: missing: the client certificate's private key (etcd_key = FILE)")]
    [TestCase(Https, "etcd_key = client.key", 9, "etcd_cert: missing: etcd_key is the key of a client certificate (etcd_cert = FILE)")]
    [TestCase(Https, "etcd_ca = client.key", 12, "etcd_ca: {DIR}/client.key: no CERTIFICATE in the PEM file")]
    [TestCase(Https, "etcd_ca = none.pem", 12, "etcd_ca: cannot read {DIR}/none.pem: ")]
    [TestCase(Https, "etcd_cert = client.pem\netcd_key = server.key", 13,
        "etcd_key: {DIR}/server.key: not the unencrypted PEM private key of the certificate in {DIR}/client.pem")]
    [TestCase(Https, "etcd_user = mpsa", 9, "etcd_password_file: missing: the file holding the user's password (etcd_password_file = FILE)")]
    [TestCase(Https, "etcd_password_file = password", 9,
        "etcd_user: missing: etcd_password_file is the password of an etcd user (etcd_user = NAME)")]
    [TestCase(Https, "etcd_user = mpsa\netcd_password_file = empty", 13, "etcd_password_file: {DIR}/empty: the file is empty")]
    [TestCase(Https, "etcd_user = mpsa\netcd_password_file = two-lines", 13,
        "etcd_password_file: {DIR}/two-lines: the password must be a single line")]
    public void RefusesABadCombinationAtItsLine(string etcd, string keys, int line, string error)
    {
        Write("empty", "\n", Private);
        Write("two-lines", "one\ntwo\n", Private);
        var (_, errors) = Read(etcd, keys);
        Assert.That(errors, Has.Length.EqualTo(1));
        Assert.That(errors[0], Does.StartWith($"{_path}:{line}: {error.Replace("{DIR}", _dir, StringComparison.Ordinal)}"));
    }

    [Test]
    [Category("EndToEnd")]
    public void CheckConfigAcceptsTheFilesAndRefusesAKeyGroupMayRead()
    {
        string text = $"[controller]\nidentity = controller.test\nstate_dir = {_dir}/state\n[group g]\n[member m]\nidentity = m.test\n"
            + $"psk = \"a psk\"\ngroup = g\n[cluster]\netcd = {Https}\nname = r1\netcd_ca = ca.pem\netcd_cert = client.pem\n"
            + "etcd_key = client.key\netcd_user = mpsa\netcd_password_file = password\n";
        File.WriteAllText(_path, text);
        File.SetUnixFileMode(_path, Private);
        var ok = EndToEnd.Daemon.Run("mpsa-controller", "check-config", "--config", _path);
        Assert.That((ok.ExitCode, ok.Out.Trim()), Is.EqualTo((0, "configuration OK")), ok.Err);

        File.SetUnixFileMode(Path.Combine(_dir, "client.key"), Private | UnixFileMode.GroupRead);
        var (code, output, error) = EndToEnd.Daemon.Run("mpsa-controller", "check-config", "--config", _path);
        Assert.That(code, Is.EqualTo(78), output + error);
        Assert.That(error.Trim(), Is.EqualTo(
            $"{_path}:14: etcd_key: {_dir}/client.key has mode 0640, which lets group or others read the private key (chmod 600)"));
    }

    [TestCase("etcd_cert = client.pem\netcd_key = client.key", "client.key", 13, "etcd_key", "the private key")]
    [TestCase("etcd_user = mpsa\netcd_password_file = password", "password", 13, "etcd_password_file", "the etcd password")]
    public void RefusesASecretThatGroupOrOthersMayRead(string keys, string file, int line, string key, string what)
    {
        File.SetUnixFileMode(Path.Combine(_dir, file), Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var (_, errors) = Read(Https, keys);
        Assert.That(errors, Is.EqualTo(new[]
        {
            $"{_path}:{line}: {key}: {_dir}/{file} has mode 0644, which lets group or others read {what} (chmod 600)",
        }));
    }
}
