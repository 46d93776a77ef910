using Mpsa.Netlink.Kernel;

namespace Mpsa.Tests.Netlink;

/// <summary>The kernel contract against <see cref="InMemoryKernel"/> (normal suite).</summary>
[TestFixture]
public class InMemoryKernelContractTests : KernelContractTests
{
    private protected override IKernel CreateKernel() => new InMemoryKernel();
}
