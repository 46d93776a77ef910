using Mpsa.Controller.Cluster;
using Mpsa.Controller.Groups;
using Mpsa.Controller.State;
using Mpsa.Hosting;
using Mpsa.Ike.Exchanges;
using Mpsa.Tests.Controller;
using Mpsa.Tests.Crypto;

namespace Mpsa.Tests.Cluster;

/// <summary>The replica's etcd connection from its <c>[cluster]</c> section, against a real etcd over TLS (with a client
/// certificate) and with a user's password: the store works with the right CA and password, fails with a clear error
/// with a wrong one, and outlives the expiry of its token.</summary>
[Category("Etcd")]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class EtcdConnectionTests
{
    private const string Prefix = "/mpsa-test";
    private const string User = "mpsa";
    private const string Password = "the etcd password of mpsa";
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);
    private static readonly MonoTime Now = new(1_000_000);
    private readonly List<IDisposable> _dispose = [];
    private string _dir = "";
    private EtcdPki? _pki;
    private EtcdCluster? _etcd;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("mpsa-etcd-tls-").FullName;
        _pki = new EtcdPki(_dir);
        WritePassword("password", Password);
        WritePassword("wrong-password", "not the password");
    }

    [TearDown]
    public void TearDown()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine(_etcd?.Logs());
        }
        foreach (var d in Enumerable.Reverse(_dispose))
        {
            d.Dispose();
        }
        _dispose.Clear();
        _etcd?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Test]
    public void StoresTheGroupsOverTlsAsAUserWithAClientCertificate()
    {
        _etcd = new EtcdCluster(1, _pki);
        _etcd.EnableAuth(User, Password, Prefix + "/");
        var settings = Settings("etcd_ca = ca.pem\netcd_cert = client.pem\netcd_key = client.key\netcd_user = mpsa\netcd_password_file = password");

        var leadership = Campaign(settings);
        WaitUntil(() => leadership.IsLeader, "the replica to lead");
        using var group = new GroupKeyManager(ControllerHarness.DefaultGroup(), new SeededRandom(21), Now);
        using (var stored = group.ToStored())
        {
            Store(settings, leadership).Save([stored], Now);
        }

        var read = Store(settings, leadership).Restore(Now);
        Assert.That(read["office"].Current.Spi, Is.EqualTo(group.Current.Spi));
        Assert.That(_etcd.Ctl("get", "--print-value-only", Prefix + "/leader").Output.Trim(), Is.EqualTo("r1"));
    }

    [Test]
    public void RefusesAnEtcdWhoseCertificateAnotherCaSigned()
    {
        _etcd = new EtcdCluster(1, _pki);
        var settings = Settings("etcd_ca = other-ca.pem\netcd_cert = client.pem\netcd_key = client.key");

        var e = Assert.Throws<StateException>(() => Store(settings, Keep(new KeyLeadership(Open(settings), Prefix + "/leader", "r1", Ttl))).Restore(Now))!;
        Assert.That(e.Message, Does.StartWith("etcd unavailable"));
        Assert.That(e.Message, Does.Contain("The remote certificate is invalid"), "the reason: etcd's certificate was not trusted");
    }

    [Test]
    public void IsRefusedWithoutTheClientCertificateEtcdAsksFor()
    {
        _etcd = new EtcdCluster(1, _pki);
        var settings = Settings("etcd_ca = ca.pem");

        // etcd closes the connection after the TLS handshake: the store sees no answer.
        var e = Assert.Throws<StateException>(() => Store(settings, Keep(new KeyLeadership(Open(settings), Prefix + "/leader", "r1", Ttl))).Restore(Now))!;
        Assert.That(e.Message, Does.StartWith("etcd unavailable"));
    }

    [Test]
    public void AuthenticatesAgainAfterTheTokenExpired()
    {
        _etcd = new EtcdCluster(1, null, "--auth-token-ttl", "2");
        _etcd.EnableAuth(User, Password, Prefix + "/");
        var settings = Settings("etcd_user = mpsa\netcd_password_file = password");
        var leadership = Campaign(settings);
        WaitUntil(() => leadership.IsLeader, "the replica to lead");
        var reader = Store(settings, leadership);
        reader.Restore(Now);
        var bare = Open(settings with { Auth = null });
        string token = bare.Authenticate(new Etcdserverpb.AuthenticateRequest { Name = User, Password = Password }).Token;

        Thread.Sleep(TimeSpan.FromSeconds(4));   // the reader's token unused for twice its TTL: etcd dropped it

        var expired = Assert.Throws<Grpc.Core.RpcException>(() => bare.GetRange(Prefix + "/", new Grpc.Core.Metadata { { "token", token } }))!;
        Assert.That(expired.Status.Detail, Does.Contain("invalid auth token"), "a token unused for its TTL is refused");
        Assert.That(reader.Restore(Now), Is.Empty);
        using var group = new GroupKeyManager(ControllerHarness.DefaultGroup(), new SeededRandom(22), Now);
        using (var stored = group.ToStored())
        {
            reader.Save([stored], Now);
        }
        Assert.That(reader.Restore(Now)["office"].Current.Spi, Is.EqualTo(group.Current.Spi));
        Assert.That(leadership.IsLeader, Is.True);
    }

    [Test]
    public void AWrongPasswordIsAClearErrorAndNoReplicaLeads()
    {
        _etcd = new EtcdCluster(1);
        _etcd.EnableAuth(User, Password, Prefix + "/");
        var settings = Settings("etcd_user = mpsa\netcd_password_file = wrong-password");
        var leadership = Keep(new KeyLeadership(Open(settings), Prefix + "/leader", "r1", Ttl));
        var campaign = Task.Run(leadership.RunAsync);

        var e = Assert.Throws<StateException>(() => Store(settings, leadership).Restore(Now))!;
        Assert.That(e.Message, Does.StartWith("etcd refused access: etcd user 'mpsa': "));
        Assert.That(e.Message, Does.Contain("authentication failed"));
        Thread.Sleep(Ttl);
        Assert.That((leadership.IsLeader, campaign.IsFaulted), Is.EqualTo((false, false)), "campaigning on, without a crash");
    }

    private void WritePassword(string name, string password)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, password + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>The section as the controller reads it, from a file in the test's directory (paths relative to it).</summary>
    private ClusterSettings Settings(string keys)
    {
        string text = $"[cluster]\netcd = {_etcd!.Endpoints}\nname = r1\nprefix = {Prefix}\n{keys}\n";
        ConfigReader.TryRead(IniFile.Parse(Path.Combine(_dir, "controller.conf"), text), r => ClusterSettings.Read(r)!, out var settings, out var errors);
        Assert.That(errors.Select(e => e.ToString()), Is.Empty);
        return settings!;
    }

    private dotnet_etcd.EtcdClient Open(ClusterSettings settings) => Keep(EtcdConnection.Open(settings));

    private KeyLeadership Campaign(ClusterSettings settings)
    {
        var leadership = Keep(new KeyLeadership(Open(settings), Prefix + "/leader", settings.Name, Ttl));
        _ = Task.Run(leadership.RunAsync);
        return leadership;
    }

    private EtcdGroupStore Store(ClusterSettings settings, KeyLeadership leadership)
    {
        string path = Path.Combine(_dir, "state.key");
        var key = Keep(File.Exists(path) ? StateKey.Read(path) : StateKey.Create(path));
        return new EtcdGroupStore(Open(settings), Prefix, key, leadership, TimeSpan.FromSeconds(2));
    }

    private T Keep<T>(T d)
        where T : IDisposable
    {
        _dispose.Add(d);
        return d;
    }

    private static void WaitUntil(Func<bool> condition, string what, int seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"timed out waiting for {what}");
            }
            Thread.Sleep(50);
        }
    }
}
