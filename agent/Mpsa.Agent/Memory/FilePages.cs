using System.Globalization;
using System.Runtime.InteropServices;

namespace Mpsa.Agent.Memory;

/// <summary>
/// Hands back the pages of the agent's own files (its binary, libsodium, libc) that start-up touched and idle does not
/// use: configuration parsing, start-up of the runtime, the first connection. The kernel keeps every page a process
/// touched mapped (and counted in its RSS) until memory runs short; MADV_PAGEOUT (Linux 5.4+) reclaims those that only
/// this process maps, now. A hint only: contents never change, a page used again is read back from the file, and
/// pages the process wrote (private copies) stay, as there is no swap to put them in.
/// </summary>
internal static class FilePages
{
    private const int MadvisePageOut = 21;  // MADV_PAGEOUT, asm-generic/mman-common.h

    /// <summary>Reclaims this process's file pages; (0, reason) when /proc/self/maps cannot be read.</summary>
    public static (long Bytes, string? Error) ReleaseOwn()
    {
        try
        {
            return Release(File.ReadAllText("/proc/self/maps"));
        }
        catch (IOException e)
        {
            return (0, e.Message);
        }
    }

    /// <summary>Advises every file mapping listed in <paramref name="maps"/> (text in the format of /proc/PID/maps).</summary>
    /// <returns>The bytes advised, and the first refusal (errno text; EINVAL before Linux 5.4).</returns>
    public static (long Bytes, string? Error) Release(string maps)
    {
        long bytes = 0;
        string? error = null;
        foreach (var line in maps.Split('\n'))
        {
            if (FileMapping.TryParse(line) is not { } m)
            {
                continue;
            }
            if (Madvise(m.Start, m.Length, MadvisePageOut) != 0)
            {
                error ??= Marshal.GetLastPInvokeErrorMessage();
                continue;
            }
            bytes += (long)m.Length;
        }
        return (bytes, error);
    }

    /// <summary>The resident set of this process in kB (VmRSS), 0 when /proc is not there.</summary>
    public static long ResidentKb()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture, out var kb))
                {
                    return kb;
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

#pragma warning disable SYSLIB1054 // LibraryImport generates unsafe code; this project disallows unsafe blocks and the signature is blittable.
    // "libc.so.6" is glibc's name; musl's loader answers every libc name with itself.
    [DllImport("libc.so.6", EntryPoint = "madvise", SetLastError = true, ExactSpelling = true)]
    private static extern int Madvise(nint address, nuint length, int advice);
#pragma warning restore SYSLIB1054
}
