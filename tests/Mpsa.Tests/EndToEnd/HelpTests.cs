namespace Mpsa.Tests.EndToEnd;

/// <summary>Both daemons answer help, --help and -h with their usage on stdout and exit 0 (an unknown command is 64).</summary>
public class HelpTests
{
    [TestCase("mpsa-agent", "help")]
    [TestCase("mpsa-agent", "--help")]
    [TestCase("mpsa-agent", "-h")]
    [TestCase("mpsa-agent", "run", "--help")]
    [TestCase("mpsa-controller", "help")]
    [TestCase("mpsa-controller", "--help")]
    [TestCase("mpsa-controller", "-h")]
    [TestCase("mpsa-controller", "status", "-h")]
    public void PrintsTheUsageAndExitsZero(string daemon, params string[] args)
    {
        var (code, output, error) = Daemon.Run(daemon, args);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.StartWith($"usage: {daemon} run"));
        Assert.That(output, Does.Contain($"{daemon} help | --help | -h"));
        Assert.That(error, Is.Empty);
    }

    [TestCase("mpsa-agent")]
    [TestCase("mpsa-controller")]
    public void AnUnknownCommandIsStillAUsageError(string daemon)
    {
        var (code, _, error) = Daemon.Run(daemon, "frobnicate");
        Assert.That(code, Is.EqualTo(64));
        Assert.That(error, Does.Contain("unknown command 'frobnicate'"));
    }
}
