using System.Diagnostics;
using Tmds.Linux;

namespace Mpsa.Tests.Netlink;

/// <summary>
/// A throwaway network namespace (`ip netns add`), so kernel tests never touch the host's XFRM database or routes.
/// <see cref="Run{T}"/> runs code on a fresh thread that has entered the namespace (setns acts per thread): netlink
/// sockets opened there stay in the namespace after the thread ends. <see cref="Ip"/> runs `ip -n NAME ...`.
/// Needs root and iproute2; <see cref="CreateOrIgnore"/> marks the test ignored without them.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static NetworkNamespace CreateOrIgnore()
    {
        if (Environment.UserName != "root" && LibC.geteuid() != 0)
        {
            Assert.Ignore("needs root (network namespaces, XFRM)");
        }
        string name = $"mpsa-test-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        var (code, output) = Exec("ip", $"netns add {name}");
        if (code != 0)
        {
            Assert.Ignore($"cannot create a network namespace: ip netns add: {output.Trim()}");
        }
        var ns = new NetworkNamespace(name);
        ns.Ip("link set lo up");
        return ns;
    }

    /// <summary>Runs <paramref name="action"/> inside the namespace, on its own thread, and returns its result (exceptions pass through).</summary>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{Name}");
                if (LibC.setns((int)handle.DangerousGetHandle(), LibC.CLONE_NEWNET) != 0)
                {
                    throw new InvalidOperationException($"setns {Name}: errno {LibC.errno}");
                }
                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
        return result;
    }

    /// <summary>`ip -n NAME ARGS`; fails the test when it fails.</summary>
    public string Ip(string arguments)
    {
        var (code, output) = Exec("ip", $"-n {Name} {arguments}");
        Assert.That(code, Is.Zero, $"ip -n {Name} {arguments}: {output}");
        return output;
    }

    /// <summary>
    /// A hub and a CPE namespace joined by a veth pair (veth-h, veth-c) with an IPv6 /64 address on each end (no duplicate
    /// address detection), at <paramref name="mtu"/> if given; the test is ignored where namespaces or veth are missing.
    /// </summary>
    public static (NetworkNamespace Hub, NetworkNamespace Cpe) PairOrIgnore(string hubAddress, string cpeAddress, int? mtu = null)
    {
        var hub = CreateOrIgnore();
        NetworkNamespace? cpe = null;
        try
        {
            cpe = CreateOrIgnore();
            hub.VethTo(cpe, "veth-h", "veth-c");
            string withMtu = mtu is { } m ? $" mtu {m}" : "";
            hub.Ip($"link set veth-h{withMtu} up");
            cpe.Ip($"link set veth-c{withMtu} up");
            hub.Ip($"addr add {hubAddress}/64 dev veth-h nodad");
            cpe.Ip($"addr add {cpeAddress}/64 dev veth-c nodad");
            return (hub, cpe);
        }
        catch
        {
            cpe?.Dispose();
            hub.Dispose();
            throw;
        }
    }

    /// <summary>A veth pair: <paramref name="here"/> in this namespace, <paramref name="there"/> in <paramref name="other"/>;
    /// the test is ignored where the kernel has no veth.</summary>
    public void VethTo(NetworkNamespace other, string here, string there)
    {
        var (code, output) = Exec("ip", $"link add {here} netns {Name} type veth peer name {there} netns {other.Name}");
        if (code != 0)
        {
            Assert.Ignore($"no veth pair on this kernel: {output.Trim()}");
        }
    }

    public void Dispose() => Exec("ip", $"netns del {Name}");

    private static (int Code, string Output) Exec(string file, string arguments)
    {
        try
        {
            var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, e.Message);
        }
    }
}
