using Mpsa.Netlink.Core;
using Mpsa.Netlink.Kernel;

namespace Mpsa.Tests.Netlink;

/// <summary>Kernel errnos become the same KernelResult outcomes as InMemoryKernel's.</summary>
public class NetlinkErrorTests
{
    [Test]
    public void MapsEexistToAlreadyExists()
    {
        var r = new NetlinkError("add state dst 192.0.2.1 spi 0x00000001 esp", 17).ToKernelResult();

        Assert.That(r, Is.EqualTo(KernelResult.AlreadyExists("add state dst 192.0.2.1 spi 0x00000001 esp")));
    }

    [TestCase(3)]
    [TestCase(2)]
    public void MapsEsrchAndEnoentToNotFound(int errno)
    {
        var r = new NetlinkError("delete policy x", errno).ToKernelResult();

        Assert.That((r.Status, r.Errno, r.Message), Is.EqualTo((KernelStatus.NotFound, 3, "delete policy x: not found")));
    }

    [Test]
    public void KeepsOtherErrnosWithTheirNameAndKernelText()
    {
        var r = new NetlinkError("add state x", 93, "Requested type not found").ToKernelResult();

        Assert.That((r.Status, r.Errno), Is.EqualTo((KernelStatus.Failed, 93)));
        Assert.That(r.Message, Is.EqualTo("add state x: EPROTONOSUPPORT: Requested type not found (errno 93)"));
    }

    [TestCase(17, "EEXIST")]
    [TestCase(3, "ESRCH")]
    [TestCase(22, "EINVAL")]
    [TestCase(93, "EPROTONOSUPPORT")]
    [TestCase(2, "ENOENT")]
    [TestCase(1234, "errno 1234")]
    public void NamesErrnos(int errno, string name) => Assert.That(Errno.Name(errno), Is.EqualTo(name));
}
