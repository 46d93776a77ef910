using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mpsa.Tests.EndToEnd;

/// <summary>A built daemon (mpsa-agent or mpsa-controller) running as a child process, its stderr collected.</summary>
internal sealed class Daemon : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private Daemon(Process process, string name)
    {
        _process = process;
        Name = name;
        process.ErrorDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public string Name { get; }

    public string Log { get { lock (_log) { return _log.ToString(); } } }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CpeAgent.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("no CpeAgent.sln above the test directory");
        }
    }

    public static string Binary(string name) => name switch
    {
        "mpsa-agent" => Path.Combine(RepoRoot, "agent/Mpsa.Agent/bin/Release/net10.0/mpsa-agent"),
        "mpsa-flood" => Path.Combine(RepoRoot, "tests/Mpsa.Flood/bin/Release/net10.0/mpsa-flood"),
        _ => Path.Combine(RepoRoot, "controller/Mpsa.Controller/bin/Release/net10.0/mpsa-controller"),
    };

    public static Daemon Start(string binary, string name, params string[] args) => Start(binary, name, null, args);

    /// <param name="environment">Variables set for the child (NOTIFY_SOCKET, ...).</param>
    public static Daemon Start(string binary, string name, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Launch(Binary(binary), args, environment, name);

    /// <summary>The daemon inside a network namespace: `ip netns exec NS BINARY ARGS` (ip execs it, so the process is the daemon).</summary>
    public static Daemon StartInNamespace(string netns, string binary, string name, params string[] args) =>
        Launch("ip", ["netns", "exec", netns, Binary(binary), .. args], null, name);

    private static Daemon Launch(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, string name)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        return new Daemon(Process.Start(info)!, name);
    }

    /// <summary>Runs a command of a daemon binary to completion: (exit code, stdout, stderr).</summary>
    public static (int ExitCode, string Out, string Err) Run(string binary, params string[] args) => RunFile(Binary(binary), null, args);

    /// <summary>Runs any program to completion, with <paramref name="environment"/> added: (exit code, stdout, stderr).</summary>
    public static (int ExitCode, string Out, string Err) RunFile(string path, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(path) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }

    public void Signal(int signal) => Assert.That(Tmds.Linux.LibC.kill(_process.Id, signal), Is.Zero, $"kill {signal} {Name}");

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill();
            _process.WaitForExit();
            return -1;
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>
    /// A UDP port free on loopback for a daemon to listen on, picked below the kernel's ephemeral range: a port from
    /// that range, released again, can be taken as the source port of any socket bound to port 0 (an agent's, etcd's)
    /// before the daemon binds it, which made a cluster test's replica fail with "Address already in use".
    /// </summary>
    public static int FreeUdpPort()
    {
        int below = 32768;
        try
        {
            below = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            // the default range's start
        }
        for (int attempt = 0; attempt < 100 && below > 11000; attempt++)
        {
            int port = Random.Shared.Next(10000, below);
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // taken: another one
            }
        }
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
