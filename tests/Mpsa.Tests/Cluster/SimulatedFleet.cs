using System.Net;
using Mpsa.Bench;
using Mpsa.Ike.Wire;

namespace Mpsa.Tests.Cluster;

/// <summary>
/// Simulated CPEs (the bench's <see cref="LoadGenerator"/>: IKEv2 initiators in this process that accept every MPSA_PUT)
/// for a <see cref="ClusterLab"/> with that many simulated members: CPE i connects to replica i % 3 and keeps the SPI and
/// KEYMAT fingerprint of every group SA it receives. Hundreds of CPEs without hundreds of agent processes.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class SimulatedFleet : IDisposable
{
    private readonly LoadGenerator[] _byReplica;

    /// <param name="indices">The CPEs (identities sim{i}.cluster) of this fleet.</param>
    public SimulatedFleet(ClusterLab lab, IEnumerable<int> indices)
    {
        var all = indices.ToList();
        _byReplica = Enumerable.Range(0, ClusterLab.Replicas).Select(r =>
        {
            var target = new IPEndPoint(IPAddress.Parse(ClusterLab.Address(r)), lab.Port);
            var plan = HandshakeScenario.Plan(new BenchArgs(["--ids", "sim{i}.cluster", "--psk", ClusterLab.SimulatedPsk,
                "--responder-id", "controller.cluster", "--wait-mpsa", "yes"]), target) with { KeepGroupSas = true };
            var generator = new LoadGenerator(plan, all.Where(i => i % ClusterLab.Replicas == r), 1, IPAddress.Loopback);
            generator.GroupSaReceived += (cpe, spi) => GroupSaReceived?.Invoke(cpe.Index, spi);
            return generator;
        }).ToArray();
        Count = all.Count;
    }

    public int Count { get; }

    /// <summary>Raised on a generator's thread: CPE index, the newest SA of an MPSA_PUT it received.</summary>
    public event Action<int, EspSpi>? GroupSaReceived;

    /// <summary>Sets every CPE up (again: a new IKE SA each), all replicas at once; false when some did not finish in time.</summary>
    public bool Connect(int seconds = 60)
    {
        var connecting = _byReplica.Select(g => Task.Run(() => g.Connect(16, TimeSpan.FromSeconds(seconds)))).ToArray();
        Task.WaitAll(connecting);
        return _byReplica.All(g => g.Completed == g.Count);
    }

    /// <summary>Setups that failed (the controller gave up on the CPE, or it was not answered in time).</summary>
    public int Failed => _byReplica.Sum(g => g.Failed);

    /// <summary>Every CPE: its index, the SAs it received in order (SPI and fingerprint), and the IKE SAs it set up.</summary>
    public List<(int Index, List<(string Spi, string Fingerprint)> Sas, int IkeSas)> Cpes() =>
        _byReplica.SelectMany(g => g.Collect(c => (c.Index, c.GroupSas.Select(s => (s.Spi.ToString(), s.Fingerprint)).ToList(),
            c.IkeSasEstablished))).OrderBy(c => c.Index).ToList();

    public void Dispose()
    {
        foreach (var g in _byReplica)
        {
            g.Dispose();
        }
    }
}
