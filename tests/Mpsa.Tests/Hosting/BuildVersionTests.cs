using System.Reflection;
using Mpsa.Hosting;

namespace Mpsa.Tests.Hosting;

/// <summary>The daemons print a constant written at build time, not the assembly attribute (which keeps .NET's
/// custom-attribute reflection in the NativeAOT agent); both must say the same.</summary>
public class BuildVersionTests
{
    [Test]
    public void TheVersionConstantIsTheAssemblysVersion()
    {
        string? attribute = typeof(DaemonCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        Assert.That(attribute, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(DaemonCli.Version, Is.EqualTo(attribute!.Split('+')[0]));
            Assert.That(DaemonCli.Version, Does.Match(@"^\d+\.\d+\.\d+"));
            Assert.That(Mpsa.Agent.AgentCli.Version, Is.EqualTo(DaemonCli.Version));
        });
    }
}
