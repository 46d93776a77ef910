using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mpsa.Tests.Cluster;

/// <summary>Three real etcd processes (Debian's etcd-server, `make deps`) on 127.0.0.1, each with its own data directory
/// in a temp folder; members can be killed (SIGKILL) and started again. Ignores the test where etcd is not installed.
/// With <c>tls</c>, clients reach them over https:// with the certificates of an <see cref="EtcdPki"/>, and must show
/// its client certificate; <c>arguments</c> go to every etcd (<c>--auth-token-ttl</c>).</summary>
internal sealed class EtcdCluster : IDisposable
{
    private const string Etcd = "/usr/bin/etcd";
    private readonly Process?[] _members;
    private readonly StringBuilder[] _logs;
    private readonly (int Client, int Peer)[] _ports;
    private readonly EtcdPki? _tls;
    private readonly string[] _arguments;

    public EtcdCluster(int size = 3, EtcdPki? tls = null, params string[] arguments)
    {
        _tls = tls;
        _arguments = arguments;
        if (!File.Exists(Etcd))
        {
            Assert.Ignore($"{Etcd} is not installed (make deps installs etcd-server)");
        }
        Directory = System.IO.Directory.CreateTempSubdirectory("mpsa-etcd-").FullName;
        _members = new Process?[size];
        _logs = Enumerable.Range(0, size).Select(_ => new StringBuilder()).ToArray();
        _ports = Enumerable.Range(0, size).Select(_ => (FreeTcpPort(), FreeTcpPort())).ToArray();
        for (int i = 0; i < size; i++)
        {
            Start(i);
        }
        WaitHealthy(Enumerable.Range(0, size));
    }

    public string Directory { get; }

    /// <summary>Every member's client URL, comma-separated, as the controller's <c>etcd</c> key takes them.</summary>
    public string Endpoints => string.Join(", ", _ports.Select((_, i) => Endpoint(i)));

    public string Endpoint(int i) => $"{(_tls is null ? "http" : "https")}://127.0.0.1:{_ports[i].Client}";

    /// <summary>The <c>user:password</c> etcdctl authenticates as, once auth is enabled (<see cref="EnableAuth"/>).</summary>
    public string? CtlUser { get; private set; }

    /// <summary>Turns etcd's authentication on: a root user, and <paramref name="user"/> allowed to read and write
    /// under <paramref name="prefix"/> only.</summary>
    public void EnableAuth(string user, string password, string prefix)
    {
        const string Root = "root:root secret";
        foreach (string[] command in (string[][])[
            ["user", "add", Root], ["role", "add", "mpsa"], ["role", "grant-permission", "mpsa", "--prefix=true", "readwrite", prefix],
            ["user", "add", $"{user}:{password}"], ["user", "grant-role", user, "mpsa"], ["auth", "enable"]])
        {
            var (code, output) = Ctl(command);
            Assert.That(code, Is.Zero, $"etcdctl {string.Join(' ', command)}: {output}");
        }
        CtlUser = Root;
    }

    public void Start(int i)
    {
        string cluster = string.Join(",", _ports.Select((p, n) => $"e{n}=http://127.0.0.1:{p.Peer}"));
        var info = new ProcessStartInfo(Etcd) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in (string[])[
            "--name", $"e{i}", "--data-dir", Path.Combine(Directory, $"e{i}"),
            "--listen-client-urls", Endpoint(i), "--advertise-client-urls", Endpoint(i),
            "--listen-peer-urls", $"http://127.0.0.1:{_ports[i].Peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{_ports[i].Peer}",
            "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", Path.GetFileName(Directory),
            "--heartbeat-interval", "50", "--election-timeout", "500", .. _arguments, .. ServerTls()])
        {
            info.ArgumentList.Add(a);
        }
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, e) => Append(i, e.Data);
        p.ErrorDataReceived += (_, e) => Append(i, e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _members[i] = p;
    }

    public void Kill(int i)
    {
        var p = _members[i];
        if (p is { HasExited: false })
        {
            p.Kill();
            p.WaitForExit();
        }
        p?.Dispose();
        _members[i] = null;
    }

    /// <summary>Waits until each of <paramref name="members"/> answers `etcdctl endpoint health`.</summary>
    public void WaitHealthy(IEnumerable<int> members, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        foreach (int i in members)
        {
            while (!Healthy(i))
            {
                if (DateTime.UtcNow > until)
                {
                    Assert.Fail($"etcd e{i} not healthy after {seconds} s\n{Logs()}");
                }
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Runs etcdctl against the cluster: (exit code, output).</summary>
    public (int ExitCode, string Output) Ctl(params string[] args)
    {
        string[] user = CtlUser is null ? [] : ["--user=" + CtlUser];
        var (code, output, error) = EtcdCtl(["--endpoints=" + Endpoints.Replace(" ", "", StringComparison.Ordinal), "--command-timeout=2s",
            .. ClientTls(), .. user, .. args]);
        return (code, output + error);
    }

    /// <summary>The member that is the Raft leader now (from `etcdctl endpoint status`), or null when none answers.</summary>
    public int? RaftLeader()
    {
        for (int i = 0; i < _members.Length; i++)
        {
            if (_members[i] is null)
            {
                continue;
            }
            var (code, output, _) = EtcdCtl(["--endpoints=" + Endpoint(i), "--command-timeout=1s", "endpoint", "status", "-w", "json"]);
            if (code != 0)
            {
                continue;
            }
            using var json = System.Text.Json.JsonDocument.Parse(output);
            var status = json.RootElement[0].GetProperty("Status");
            if (status.GetProperty("header").GetProperty("member_id").GetUInt64() == status.GetProperty("leader").GetUInt64())
            {
                return i;
            }
        }
        return null;
    }

    public string Logs()
    {
        var text = new StringBuilder();
        for (int i = 0; i < _logs.Length; i++)
        {
            lock (_logs[i])
            {
                text.Append("--- etcd e").Append(i).Append('\n').Append(_logs[i]);
            }
        }
        return text.ToString();
    }

    public void Dispose()
    {
        for (int i = 0; i < _members.Length; i++)
        {
            Kill(i);
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private bool Healthy(int i) => EtcdCtl(["--endpoints=" + Endpoint(i), "--command-timeout=1s", .. ClientTls(), "endpoint", "health"]).ExitCode == 0;

    private string[] ServerTls() => _tls is null ? [] :
        ["--cert-file", _tls.ServerCert, "--key-file", _tls.ServerKey, "--trusted-ca-file", _tls.Ca, "--client-cert-auth"];

    private string[] ClientTls() => _tls is null ? [] : ["--cacert=" + _tls.Ca, "--cert=" + _tls.ClientCert, "--key=" + _tls.ClientKey];

    private static (int ExitCode, string Out, string Err) EtcdCtl(string[] args) =>
        EndToEnd.Daemon.RunFile("/usr/bin/etcdctl", new Dictionary<string, string> { ["ETCDCTL_API"] = "3" }, args);

    private void Append(int i, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_logs[i])
        {
            // etcd logs a lot at info level: keep the tail only.
            if (_logs[i].Length > 64 * 1024)
            {
                _logs[i].Remove(0, 32 * 1024);
            }
            _logs[i].Append(line).Append('\n');
        }
    }

    private static int FreeTcpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
