using System.Runtime.Versioning;
using Mpsa.Hosting;

namespace Mpsa.Tests.Hosting;

[UnsupportedOSPlatform("windows")]
public class SecretFileTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("mpsa-secret-");

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    private string Write(string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_dir.FullName, "psk");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Test]
    public void ReadsATrimmedTextLine()
    {
        var result = SecretFile.Read(Write("  correct horse \n"));

        Assert.That(result.Error, Is.Null);
        Assert.That(result.Warning, Is.Null);
        Assert.That(result.Secret, Is.EqualTo("correct horse"u8.ToArray()));
        Assert.That(result.ToString(), Is.EqualTo("[secret, 13 bytes]"));
    }

    [Test]
    public void ReadsHexAfter0x()
    {
        var result = SecretFile.Read(Write("0x00FFa5\n"));

        Assert.That(result.Secret, Is.EqualTo(new byte[] { 0x00, 0xff, 0xa5 }));
    }

    [TestCase("", "the secret is empty")]
    [TestCase(" \n\n", "the secret is empty")]
    [TestCase("one\ntwo\n", "the secret must be a single line")]
    [TestCase("0x", "the hex secret after '0x' needs an even, non-zero number of digits")]
    [TestCase("0xabc", "the hex secret after '0x' needs an even, non-zero number of digits")]
    [TestCase("0xzz", "the hex secret after '0x' has a character that is not a hex digit")]
    public void ReportsABadSecretWithoutShowingIt(string content, string message)
    {
        var path = Write(content);

        var result = SecretFile.Read(path);

        Assert.That(result.Secret, Is.Null);
        Assert.That(result.Error!.ToString(), Is.EqualTo($"{path}: {message}"));
    }

    [Test]
    public void WarnsWhenGroupOrOthersMayReadIt()
    {
        var path = Write("secret", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var result = SecretFile.Read(path);

        Assert.That(result.Secret, Is.Not.Null);
        Assert.That(result.Warning!.ToString(), Is.EqualTo($"{path}: warning: secret file has mode 0644, which lets group or others at it (chmod 600)"));
        Assert.That(SecretFile.AllowsGroupOrOtherAccess(path), Is.True);
        Assert.That(SecretFile.IsWritableByGroupOrOthers(path), Is.False);
    }

    [Test]
    public void TellsWhetherGroupOrOthersMayWrite()
    {
        var path = Write("x", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite);

        Assert.That(SecretFile.IsWritableByGroupOrOthers(path), Is.True);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.That(SecretFile.IsWritableByGroupOrOthers(path), Is.False);
        Assert.That(SecretFile.AllowsGroupOrOtherAccess(path), Is.False);
    }

    [Test]
    public void ReportsAMissingFile()
    {
        var path = Path.Combine(_dir.FullName, "absent");

        var result = SecretFile.Read(path);

        Assert.That(result.Error!.ToString(), Is.EqualTo($"{path}: cannot read secret file: No such file or directory"));
    }

    [Test]
    public void ReportsADirectoryAsOne()
    {
        var result = SecretFile.Read(_dir.FullName);

        Assert.That(result.Error!.ToString(), Is.EqualTo($"{_dir.FullName}: cannot read secret file: Is a directory"));
    }
}
