namespace Mpsa.Tests.EndToEnd;

/// <summary>What the end-to-end labs share: a temp directory, the daemons started in it (stopped and logged together),
/// and a bounded wait that fails with every daemon's log.</summary>
internal abstract class ProcessLab(string prefix) : IDisposable
{
    private readonly List<Daemon> _daemons = [];

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>Agent i's config: cpe{i}.{lab} with the lab's PSK, quick retries and liveness, on a free local port.</summary>
    protected string AgentConfigText(int i, string lab, string controllerAddress, int controllerPort) => $"""
        [agent]
        identity = cpe{i}.{lab}
        psk = "{lab} secret of cpe{i}"
        local_address = 127.0.0.1
        local_port = {Daemon.FreeUdpPort()}
        control_socket = {Directory}/cpe{i}.sock
        log_level = debug
        retry_min = 200ms
        retry_max = 1s
        liveness_interval = 2s
        [controller]
        address = {controllerAddress}
        port = {controllerPort}
        identity = controller.{lab}
        """;

    protected Daemon Track(Daemon d)
    {
        _daemons.Add(d);
        return d;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with every daemon's log otherwise. Bounded, never asserted on time.</summary>
    public void WaitUntil(Func<bool> condition, string what, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if (condition())
            {
                return;
            }
            Thread.Sleep(200);
        }
        Assert.Fail($"timed out waiting for {what}\n{Logs()}");
    }

    public string Logs() => string.Join("\n", _daemons.Select(d => $"--- {d.Name}\n{d.Log}"));

    public void Dispose()
    {
        foreach (var d in _daemons)
        {
            d.Dispose();
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
