using System.Net.Sockets;
using System.Text;
using Mpsa.Tests.EndToEnd;

namespace Mpsa.Tests.Metrics;

/// <summary>The controller as systemd's Type=notify runs it: READY=1 once it serves, STOPPING=1 on SIGTERM, journald lines.</summary>
[Category("EndToEnd")]
[NonParallelizable]
public class SdNotifyTests
{
    private const int SIGTERM = 15;

    [Test]
    public void AConfigErrorOnTheJournalStreamIsFiledAsAnError()
    {
        var dir = Directory.CreateTempSubdirectory("mpsa-journal-").FullName;
        try
        {
            string config = Path.Combine(dir, "controller.conf");
            File.WriteAllText(config, "[controller]\nidentity = controller.journal\nno_such_key = 1\n");
            // systemd names the stream it gave as stderr in JOURNAL_STREAM (device:inode); here, the test's pipe
            var (code, _, error) = Daemon.RunFile("/bin/sh", null, "-c",
                "JOURNAL_STREAM=0:$(stat -L -c %i /proc/self/fd/2) exec \"$0\" run --config \"$1\"", Daemon.Binary("mpsa-controller"), config);
            Assert.That(code, Is.EqualTo(78), error);
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Is.All.StartWith($"<3>{config}"));
            Assert.That(lines, Has.Member($"<3>{config}:3: unknown key 'no_such_key'"));

            (code, _, error) = Daemon.RunFile(Daemon.Binary("mpsa-controller"), new Dictionary<string, string> { ["JOURNAL_STREAM"] = "0:1" },
                "run", "--config", config);
            Assert.That(code, Is.EqualTo(78));
            Assert.That(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.All.StartWith(config), "another stream: no priority");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void NotifiesReadyThenStoppingAndLogsWithPriorities()
    {
        var dir = Directory.CreateTempSubdirectory("mpsa-notify-").FullName;
        try
        {
            string notify = Path.Combine(dir, "notify");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(notify));
            socket.ReceiveTimeout = 20_000;
            string config = Path.Combine(dir, "controller.conf");
            File.WriteAllText(config, $"""
                [controller]
                identity = controller.notify
                listen = 127.0.0.1:{Daemon.FreeUdpPort()}
                control_socket = {dir}/controller.sock
                state_dir = {dir}/controller-state
                log_format = systemd
                install_child_sa = no
                [group g]
                [member cpe]
                identity = cpe.notify
                psk = "x"
                group = g
                """);
            using var controller = Daemon.Start("mpsa-controller", "controller", new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify },
                "run", "--config", config);
            var buffer = new byte[4096];
            string ready = Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer));
            Assert.That(ready, Does.Contain("READY=1\n"), controller.Log);
            Assert.That(File.Exists(Path.Combine(dir, "controller.sock")), Is.True, "ready after the control socket is bound");
            controller.Signal(SIGTERM);
            string stopping = Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer));
            Assert.That(stopping, Does.Contain("STOPPING=1\n"));
            Assert.That(controller.WaitForExit(TimeSpan.FromSeconds(15)), Is.Zero);
            var lines = controller.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Some.StartsWith("<6>mpsa-controller[100] listening on 127.0.0.1:"));
            Assert.That(lines, Is.All.Match(@"^<[0-7]>mpsa-controller[.a-z]*\[\d+\] "));
            Assert.That(lines, Has.Some.Match(@"^<4>mpsa-controller\[403\] .*controller\.conf:\d+: psk: warning: a PSK of 1 bytes "),
                "the config's warnings are in the log at warning priority, like every other line");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
