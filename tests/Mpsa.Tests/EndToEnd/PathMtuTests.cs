using System.Diagnostics;
using Mpsa.Tests.Netlink;

namespace Mpsa.Tests.EndToEnd;

/// <summary>
/// The default hybrid handshake (X25519 + ML-KEM-768 through IKE_INTERMEDIATE) and the group-SA push over a path whose
/// MTU is 1280 (IPv6's minimum): the real daemons in two network namespaces joined by a veth pair at MTU 1280, IKE
/// over IPv6, the agent with its in-memory kernel; tcpdump on the controller's side sees every datagram.
/// </summary>
[TestFixture]
[Category("Rtnetlink")]
[NonParallelizable]
public class PathMtuTests
{
    [Test]
    public void TheHybridHandshakeAndTheGroupSaCrossA1280OctetPathInIkeFragments()
    {
        var (hub, cpe) = NetworkNamespace.PairOrIgnore("fd00:77::1", "fd00:77::2", mtu: 1280);
        using var hubOwner = hub;
        using var cpeOwner = cpe;
        using var lab = new LoopbackLab(1);
        lab.Readdress("[fd00:77::1]", "fd00:77::1");
        string pcap = Path.Combine(lab.Directory, "hub.pcap");
        using var tcpdump = Capture(hub, "veth-h", pcap);

        lab.StartControllerInNamespace(hub.Name);
        lab.StartAgentInNamespace(1, cpe.Name);
        lab.WaitUntil(() => lab.ActiveSpi(1) is not null, "the agent holds the group SA", seconds: 120);
        Assert.That(lab.AgentStatus(1).GetProperty("ike_sa").GetProperty("key_exchange").GetString(), Is.EqualTo("x25519+mlkem768"));
        Stop(tcpdump);

        Assert.That(Count(pcap, "ip6 and udp"), Is.GreaterThanOrEqualTo(8), "the capture holds the exchanges");
        Assert.Multiple(() =>
        {
            Assert.That(Count(pcap, "ip6 and udp and ip6[4:2] > 1240"), Is.Zero, "no datagram over 1280 octets");
            Assert.That(Count(pcap, "ip6[6] == 44"), Is.Zero, "no IPv6 fragment");
            Assert.That(Count(pcap, "ip6 and udp and ip6[4:2] > 1000"), Is.GreaterThanOrEqualTo(2),
                "the ML-KEM key went as IKE fragments cut to the path (at least one of over 1,040 octets each way)");
        });
    }

    // --immediate-mode: without it libpcap hands packets over in blocks, after up to a second, and a handshake that
    // ended within that second was still in the kernel's buffer when tcpdump was stopped: an empty capture.
    private static Process Capture(NetworkNamespace ns, string device, string file)
    {
        var info = new ProcessStartInfo("ip", $"netns exec {ns.Name} tcpdump -i {device} -n -U --immediate-mode -w {file}") { RedirectStandardError = true, UseShellExecute = false };
        Process p;
        try
        {
            p = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Ignore($"no tcpdump: {e.Message}");
            throw;
        }
        string? line = p.StandardError.ReadLine();
        if (line is null || !line.Contains("listening on", StringComparison.Ordinal))
        {
            Assert.Ignore($"tcpdump does not capture here: {line}");
        }
        return p;
    }

    private static void Stop(Process tcpdump)
    {
        Thread.Sleep(500);
        Assert.That(Tmds.Linux.LibC.kill(tcpdump.Id, Tmds.Linux.LibC.SIGINT), Is.Zero);
        tcpdump.WaitForExit(10_000);
    }

    private static int Count(string pcap, string filter)
    {
        var (code, output, error) = Daemon.RunFile("tcpdump", null, "-r", pcap, "-n", filter);
        Assert.That(code, Is.Zero, $"tcpdump -r {pcap} {filter}: {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }
}
