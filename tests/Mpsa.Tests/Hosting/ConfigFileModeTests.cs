using Mpsa.Hosting;
using Mpsa.Tests.EndToEnd;

namespace Mpsa.Tests.Hosting;

/// <summary>A configuration file that group or others may write is refused with one line naming it (least privilege).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ConfigFileModeTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("mpsa-mode-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Write(UnixFileMode mode)
    {
        string path = Path.Combine(_dir, "mpsa.conf");
        File.WriteAllText(path, "[agent]\nidentity = cpe1\npsk = \"a psk\"\n[controller]\naddress = 127.0.0.1\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private static ConfigSection ReadAll(ConfigReader r)
    {
        var agent = r.Section("agent", required: true);
        agent.String("identity");
        agent.String("psk");
        r.Section("controller", required: true).String("address");
        return agent;
    }

    [TestCase(UnixFileMode.GroupWrite, "0620")]
    [TestCase(UnixFileMode.OtherWrite, "0602")]
    public void RefusesAFileGroupOrOthersMayWrite(UnixFileMode extra, string shown)
    {
        string path = Write(UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);
        Assert.That(ConfigReader.TryLoad(path, ReadAll, out _, out var errors), Is.False);
        Assert.That(errors.Select(e => e.ToString()), Is.EqualTo(new[] { $"{path}: refused: mode {shown} lets group or others write it (chmod go-w)" }));
    }

    [Test]
    public void AcceptsAFileOthersMayOnlyRead()
    {
        string path = Write(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.That(ConfigReader.TryLoad(path, ReadAll, out _, out var errors), Is.True, string.Join("\n", errors));
    }

    [Test]
    [Category("EndToEnd")]
    public void TheAgentRefusesAWorldWritableConfigWithOneLineAndExit78()
    {
        string path = Write(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        var (code, output, error) = Daemon.Run("mpsa-agent", "check-config", "--config", path);
        Assert.That(code, Is.EqualTo(78), output + error);
        Assert.That((output + error).Trim(), Is.EqualTo($"{path}: refused: mode 0606 lets group or others write it (chmod go-w)"));
    }
}
