namespace Mpsa.Tests.EndToEnd;

/// <summary>The daemons as a user runs them: processes, config files, control sockets, signals, loopback UDP.</summary>
[Category("EndToEnd")]
[NonParallelizable]
public class DaemonEndToEndTests
{
    private const int SIGHUP = 1;
    private const int SIGTERM = 15;
    private const int SIGKILL = 9;
    private LoopbackLab? _lab;

    [TearDown]
    public void TearDown()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed && _lab is not null)
        {
            TestContext.Out.WriteLine(_lab.Logs());
        }
        _lab?.Dispose();
        _lab = null;
    }

    [Test]
    public void ConvergesThreeAgentsOnOneSaAndRollsOverTogether()
    {
        var lab = _lab = new LoopbackLab(3);
        lab.StartController();
        for (int i = 1; i <= 3; i++)
        {
            lab.StartAgent(i);
        }
        string? first = null;
        lab.WaitUntil(() => (first = lab.ControllerCurrentSpi()) is not null && Enumerable.Range(1, 3).All(i => lab.ActiveSpi(i) == first), "all three agents on the controller's SA");
        var fingerprints = Enumerable.Range(1, 3).Select(i => lab.Fingerprint(i, first!)).Distinct().ToList();
        Assert.That(fingerprints, Has.Count.EqualTo(1), "one KEYMAT everywhere");
        Assert.That(fingerprints[0], Is.EqualTo(lab.ControllerStatus().GetProperty("groups")[0].GetProperty("fingerprint").GetString()));
        // Each member's CHILD_SA goes into the controller's kernel; a kernel without ESP (these hosts) refuses: one
        // warning, and the IKE SAs stay (every agent above got the group SA over its IKE SA).
        string log = lab.Controller!.Log;
        int installed = CountOf(log, "mpsa-controller[302]");
        int refused = CountOf(log, "warn: mpsa-controller[303]");
        Assert.That(installed == 3 || (installed == 0 && refused == 1), $"{installed} CHILD_SAs installed, {refused} refusals logged at warning");

        string? second = null;
        lab.WaitUntil(() => (second = lab.ActiveSpi(1)) != first && second is not null && Enumerable.Range(2, 2).All(i => lab.ActiveSpi(i) == second),
            "the rollover on all three agents");
        Assert.That(second, Is.Not.EqualTo(first));
        Assert.That(lab.ControllerStatus().GetProperty("members").EnumerateArray().Select(m => m.GetProperty("last_acked_spi").GetString()),
            Is.All.EqualTo(second));
    }

    [Test]
    public void KeepsTheGroupSaAcrossARestartAndAKill9()
    {
        var lab = _lab = new LoopbackLab(2, "lifetime = 120s\nrekey_margin = 30s\nroll1 = 2s\nroll2 = 4s");
        var controller = lab.StartController();
        lab.StartAgent(1);
        lab.StartAgent(2);
        string? spi = null;
        lab.WaitUntil(() => (spi = lab.ControllerCurrentSpi()) is not null && lab.ActiveSpi(1) == spi && lab.ActiveSpi(2) == spi, "first SA");
        string fingerprint = lab.Fingerprint(1, spi!)!;
        Assert.That(lab.Fingerprint(2, spi!), Is.EqualTo(fingerprint));

        foreach (int signal in new[] { SIGTERM, SIGKILL })
        {
            controller.Signal(signal);
            Assert.That(controller.WaitForExit(TimeSpan.FromSeconds(10)), Is.EqualTo(signal == SIGTERM ? 0 : 128 + SIGKILL));
            controller = lab.StartController();
            lab.WaitUntil(() => lab.ControllerCurrentSpi() is not null, $"the controller back after signal {signal}");
            Assert.That(lab.ControllerCurrentSpi(), Is.EqualTo(spi), $"the same SA after signal {signal}");
            lab.WaitUntil(() => lab.AgentStatus(1).GetProperty("controller").GetProperty("state").GetString() == "connected"
                && lab.AgentStatus(2).GetProperty("controller").GetProperty("state").GetString() == "connected", "both agents reconnected");
            Assert.That((lab.ActiveSpi(1), lab.ActiveSpi(2)), Is.EqualTo((spi, spi)));
            Assert.That((lab.Fingerprint(1, spi!), lab.Fingerprint(2, spi!)), Is.EqualTo((fingerprint, fingerprint)));
        }
        Assert.That(controller.Log, Does.Contain($"SA {spi} fingerprint {fingerprint} restored from the state file"));
        Assert.That(controller.Log, Does.Not.Contain("rekey to SA"), "a restart is no reason to rekey");
    }

    [Test]
    public void RefusesACorruptStateFileUntilToldToResetIt()
    {
        var lab = _lab = new LoopbackLab(1);
        var controller = lab.StartController();
        lab.WaitUntil(() => lab.ControllerCurrentSpi() is not null, "the controller up");
        string spi = lab.ControllerCurrentSpi()!;
        controller.Signal(SIGTERM);
        Assert.That(controller.WaitForExit(TimeSpan.FromSeconds(10)), Is.Zero);
        string state = Path.Combine(lab.Directory, "controller-state", "controller.state");
        var bytes = File.ReadAllBytes(state);
        File.WriteAllBytes(state, bytes[..(bytes.Length / 2)]);

        var (code, _, err) = Daemon.Run("mpsa-controller", "run", "--config", lab.ControllerConfig);
        Assert.That(code, Is.EqualTo(65));
        Assert.That(err, Does.Contain($"cannot start: {state}: cannot be authenticated under the state key").And.Contain("run once with --reset-state"));

        controller = lab.StartController("--reset-state");
        lab.WaitUntil(() => lab.ControllerCurrentSpi() is not null, "the controller up with --reset-state");
        Assert.That(lab.ControllerCurrentSpi(), Is.Not.EqualTo(spi));
        Assert.That(File.Exists(state + ".reset"), Is.True);
    }

    [Test]
    public void RekeysTheRestWhenAMemberIsRemoved()
    {
        var lab = _lab = new LoopbackLab(3, "lifetime = 120s\nrekey_margin = 30s\nroll1 = 2s\nroll2 = 4s");
        var controller = lab.StartController();
        for (int i = 1; i <= 3; i++)
        {
            lab.StartAgent(i);
        }
        string? before = null;
        lab.WaitUntil(() => (before = lab.ControllerCurrentSpi()) is not null && Enumerable.Range(1, 3).All(i => lab.ActiveSpi(i) == before), "first SA");

        lab.WriteControllerConfig([1, 2]);
        controller.Signal(SIGHUP);
        string? after = null;
        lab.WaitUntil(() => (after = lab.ActiveSpi(1)) is not null && after != before && lab.ActiveSpi(2) == after, "the remaining members on a new SA");
        lab.WaitUntil(() => lab.AgentStatus(3).GetProperty("controller").GetProperty("state").GetString() != "connected", "the removed member disconnected");
        Assert.That(lab.AgentStatus(3).GetProperty("group_sas").EnumerateArray().Select(g => g.GetProperty("spi").GetString()), Does.Not.Contain(after));
        Assert.That(lab.Controller!.Log, Does.Contain("member cpe3 removed from the configuration"));
    }

    [Test]
    public void StopsCleanlyOnSigtermAndRemovesWhatItInstalled()
    {
        var lab = _lab = new LoopbackLab(1);
        var controller = lab.StartController();
        var agent = lab.StartAgent(1);
        lab.WaitUntil(() => lab.ActiveSpi(1) is not null, "an SA");
        string spi = lab.ActiveSpi(1)!;
        agent.Signal(SIGTERM);
        Assert.That(agent.WaitForExit(TimeSpan.FromSeconds(10)), Is.EqualTo(0));
        Assert.That(agent.Log, Does.Contain($"kernel: delete state dst 127.0.0.1 spi 0x{spi}"));
        lab.WaitUntil(() => lab.ControllerStatus().GetProperty("members")[0].GetProperty("state").GetString() == "disconnected", "the controller seeing the Delete");
        controller.Signal(SIGTERM);
        Assert.That(controller.WaitForExit(TimeSpan.FromSeconds(10)), Is.EqualTo(0));
        Assert.That(agent.Log, Does.Contain("[600] SIGTERM received, stopping"));
        Assert.That(agent.Log, Does.Match(@"\[405\] stopped: group SAs taken out of the kernel with their states and the peers' policies: [12]; the controller confirmed the IKE SA's deletion"));
        Assert.That(controller.Log, Does.Contain("[600] SIGTERM received, stopping"));
    }

    [Test]
    public void ReportsEveryConfigErrorWithFileAndLineAndExits78()
    {
        string dir = Directory.CreateTempSubdirectory("mpsa-cfg-").FullName;
        try
        {
            string path = Path.Combine(dir, "mpsa.conf");
            File.WriteAllText(path, "[agent]\nidentity = cpe\npsk = \"x\"\nrol1 = 3\n[controller]\naddress = 192.0.2.300\nidentity = controller\n");
            var (code, _, err) = Daemon.Run("mpsa-agent", "check-config", "--config", path);
            Assert.That(code, Is.EqualTo(78));
            Assert.That(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
            {
                $"{path}:4: unknown key 'rol1'",
                $"{path}:6: address: '192.0.2.300' is not an IP address",
            }));
            Assert.That(Daemon.Run("mpsa-agent", "run", "--dry-run", "--config", path).ExitCode, Is.EqualTo(78));
            File.WriteAllText(path, "[agent]\nidentity = cpe\npsk = \"x\"\n[controller]\naddress = 192.0.2.1\nidentity = controller\n");
            var ok = Daemon.Run("mpsa-agent", "check-config", "--config", path);
            Assert.That((ok.ExitCode, ok.Out.Trim()), Is.EqualTo((0, "configuration OK")));
            var status = Daemon.Run("mpsa-agent", "status", "--socket", Path.Combine(dir, "none.sock"));
            Assert.That(status.ExitCode, Is.EqualTo(69));
            Assert.That(status.Err, Does.Contain("not running"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void RefusesToStartWithoutTheControllersIdentity()
    {
        string dir = Directory.CreateTempSubdirectory("mpsa-cfg-").FullName;
        try
        {
            string path = Path.Combine(dir, "mpsa.conf");
            File.WriteAllText(path, "[agent]\nidentity = cpe\npsk = \"x\"\n[controller]\naddress = 192.0.2.1\n");
            var check = Daemon.Run("mpsa-agent", "check-config", "--config", path);
            Assert.That(check.ExitCode, Is.EqualTo(78));
            Assert.That(check.Err.Trim(), Is.EqualTo($"{path}:4: missing required key 'identity' in [controller]"));
            var run = Daemon.Run("mpsa-agent", "run", "--dry-run", "--config", path);
            Assert.That(run.ExitCode, Is.EqualTo(78));
            Assert.That(run.Err, Does.Contain($"{path}:4: missing required key 'identity' in [controller]"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int CountOf(string text, string what)
    {
        int n = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + 1, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }
}
