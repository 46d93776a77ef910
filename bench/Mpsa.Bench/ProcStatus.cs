using System.Globalization;

namespace Mpsa.Bench;

/// <summary>Reads a process's resident set size from /proc.</summary>
internal static class ProcStatus
{
    public static long RssKb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    /// <summary>CPU time of every thread of the process, in nanoseconds (first field of /proc/PID/task/*/schedstat);
    /// finer than the 10 ms ticks of /proc/PID/stat. Threads that ended are no longer counted.</summary>
    public static long CpuNs(int pid)
    {
        long sum = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                sum += long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }
        return sum;
    }
}
