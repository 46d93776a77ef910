namespace Mpsa.Tests.Cluster;

/// <summary>
/// The fixture every cluster end-to-end test shares: the etcd processes and the lab a test starts, and whatever else it
/// hands to <see cref="Own{T}"/>, all stopped after the test (last started, first stopped); when the test failed, the
/// replicas', agents' and etcd's logs go to its output first.
/// </summary>
[Category("Etcd")]
[Category("EndToEnd")]
[Parallelizable(ParallelScope.Self)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class ClusterLabTest
{
    protected const int SIGKILL = 9;
    private readonly List<IDisposable> _owned = [];

    private protected EtcdCluster? Etcd { get; set; }
    private protected ClusterLab? Lab { get; set; }

    /// <summary>Stops <paramref name="resource"/> after the test, before the lab and etcd.</summary>
    protected T Own<T>(T resource) where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    [TearDown]
    public void StopLab()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed && Lab is not null)
        {
            TestContext.Out.WriteLine(Lab.Logs());
            TestContext.Out.WriteLine(Etcd?.Logs());
        }
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
        _owned.Clear();
        Lab?.Dispose();
        Lab = null;
        Etcd?.Dispose();
        Etcd = null;
    }
}
