using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Mpsa.Bench;

/// <summary>An mpsa-controller the generator starts itself: its pid (for RSS and signals) and the log lines it waits for.</summary>
internal sealed partial class ControllerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly ConcurrentQueue<string> _lines = new();

    public ControllerProcess(string binary, string config, string logPath)
    {
        _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("run");
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {binary}");
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        if (!LoadGenerator.WaitUntil(() => _lines.Any(l => l.Contains("listening on", StringComparison.Ordinal)) || _process.HasExited, TimeSpan.FromSeconds(30))
            || _process.HasExited)
        {
            throw new InvalidOperationException($"the controller did not start listening (log: {logPath})");
        }
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.WriteLine(line);
        }
        if (line.Contains("acknowledged SA", StringComparison.Ordinal) || line.Contains("listening on", StringComparison.Ordinal))
        {
            _lines.Enqueue(line);
        }
    }

    /// <summary>VmRSS in kB (from /proc/PID/status).</summary>
    public long RssKb() => ProcStatus.RssKb(Pid);

    /// <summary>CPU time (user + system) the process has used so far.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>The "all N members acknowledged SA X in Y ms" line for <paramref name="members"/>, once it appears.</summary>
    public long? RekeyCompletedMs(int members, TimeSpan timeout)
    {
        long? found = null;
        LoadGenerator.WaitUntil(() =>
        {
            foreach (var l in _lines)
            {
                var m = RekeyComplete().Match(l);
                if (m.Success && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) == members)
                {
                    found = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                    return true;
                }
            }
            return false;
        }, timeout);
        _lines.Clear();
        return found;
    }

    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGTERM (the controller says goodbye to its members), then waits for the exit.</summary>
    public void Stop()
    {
        if (!_process.HasExited)
        {
            Signal("TERM");
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
            }
        }
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
        _log.Dispose();
    }

    [GeneratedRegex(@"all (\d+) members acknowledged SA \w+ in (\d+) ms")]
    private static partial Regex RekeyComplete();
}
