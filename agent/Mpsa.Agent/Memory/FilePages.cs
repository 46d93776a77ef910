using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Mpsa.Agent.Memory;

/// <summary>
/// Hands back the pages of the agent's own files (its binary, libsodium, libc) that start-up touched and idle does not
/// use: configuration parsing, start-up of the runtime, the first connection. The kernel keeps every page a process
/// touched mapped (and counted in its RSS) until memory runs short. Read-only mappings without private copies get
/// MADV_DONTNEED: only this process's page table entries go, the pages stay in the page cache, and a page used again
/// (each liveness check touches about 1 MB of the binary) comes back by a minor fault, not a read from flash. The rest
/// (writable mappings, RELRO with its relocated private copies) gets MADV_PAGEOUT (Linux 5.4+), which reclaims the
/// clean file pages only this process maps and leaves the private copies, as there is no swap to put them in:
/// MADV_DONTNEED there would drop written pages (data loss).
/// </summary>
internal static class FilePages
{
    /// <summary>The madvise advice a mapping gets (asm-generic/mman-common.h).</summary>
    internal enum Advice
    {
        DontNeed = 4,
        PageOut = 21,
    }

    /// <summary>Releases this process's file pages; (0, reason) when /proc/self/smaps cannot be read.</summary>
    public static (long Bytes, string? Error) ReleaseOwn()
    {
        Advisor advisor;
        try
        {
            // Unbuffered, parsed in a stack buffer: smaps is tens of kB, and allocating that made about 700 kB of heap
            // resident and ran a collection that faulted the released code straight back in. Read through the handle:
            // no FileStream in the agent's binary.
            using var smaps = File.OpenHandle("/proc/self/smaps");
            long offset = 0;
            advisor = Read(buffer =>
            {
                int read = RandomAccess.Read(smaps, buffer, offset);
                offset += read;
                return read;
            }, null);
        }
        catch (IOException e)
        {
            return (0, e.Message);
        }
        // After the file is closed: the code that closes it would come back too.
        return advisor.AdviseAll();
    }

    /// <summary>
    /// DONTNEED only when nothing of the mapping can differ from its file: not writable (so nothing is written between
    /// reading smaps and the advice) and no private copies (Anonymous: 0 kB; null when smaps did not say).
    /// </summary>
    public static Advice AdviceFor(FileMapping mapping, long? privateCopiesKb) =>
        !mapping.Writable && privateCopiesKb == 0 ? Advice.DontNeed : Advice.PageOut;

    /// <summary>Advises every file mapping listed in <paramref name="smaps"/> (the format of /proc/PID/smaps; lines of /proc/PID/maps get MADV_PAGEOUT).</summary>
    /// <returns>The bytes advised, and the first refusal (errno text; EINVAL for MADV_PAGEOUT before Linux 5.4).</returns>
    /// <param name="madvise">The call that advises (tests record them); madvise(2) when null.</param>
    public static (long Bytes, string? Error) Release(string smaps, Func<nint, nuint, Advice, bool>? madvise = null) =>
        Release(new MemoryStream(Encoding.UTF8.GetBytes(smaps)), madvise);

    /// <inheritdoc cref="Release(string, Func{nint, nuint, Advice, bool})"/>
    public static (long Bytes, string? Error) Release(Stream smaps, Func<nint, nuint, Advice, bool>? madvise = null) =>
        Read(smaps.Read, madvise).AdviseAll();

    /// <summary>Reads into the buffer, returning how much; 0 at the end.</summary>
    private delegate int ReadInto(Span<byte> buffer);

    /// <summary>Reads smaps to its end: the runs of mappings to advise, none advised yet.</summary>
    private static Advisor Read(ReadInto smaps, Func<nint, nuint, Advice, bool>? madvise)
    {
        var advisor = new Advisor(madvise ?? ((start, length, advice) => Madvise(start, length, (int)advice) == 0));
        Span<byte> buffer = stackalloc byte[8192];
        var filled = 0;
        var skippingLongLine = false;
        int read;
        while ((read = smaps(buffer[filled..])) > 0)
        {
            filled += read;
            var rest = buffer[..filled];
            for (var newline = rest.IndexOf((byte)'\n'); newline >= 0; newline = rest.IndexOf((byte)'\n'))
            {
                if (!skippingLongLine)
                {
                    advisor.Line(rest[..newline]);
                }
                skippingLongLine = false;
                rest = rest[(newline + 1)..];
            }
            if (rest.Length == buffer.Length)
            {
                // Only a mapping's line can be this long (its path): a mapping not advised, whose fields are not taken
                // for the one before.
                if (!skippingLongLine)
                {
                    advisor.Line([]);
                }
                skippingLongLine = true;
                filled = 0;
                continue;
            }
            rest.CopyTo(buffer);
            filled = rest.Length;
        }
        if (!skippingLongLine)
        {
            advisor.Line(buffer[..filled]);
        }
        advisor.Completed();
        return advisor;
    }

    /// <summary>
    /// Follows smaps line by line; decides a file mapping's advice once its fields (Rss:, Anonymous:) are read. Adjacent
    /// mappings with the same advice (a library's header and code, its RELRO and data) go in one madvise call: each
    /// call that drops pages flushes the TLB of every CPU running the process, the largest part of a release's cost.
    /// A mapping with nothing to give back (nothing resident, or only private copies for MADV_PAGEOUT) is not advised.
    /// The calls come once smaps has been read to its end: advised while parsing, the binary's code was dropped before
    /// the rest of smaps was parsed, and the parser faulted its own code straight back in (about 20 faults of 64 kB).
    /// </summary>
    private sealed class Advisor(Func<nint, nuint, Advice, bool> madvise)
    {
        // A fixed array, not a List: its generic code for this tuple cost 8 kB of binary. 64 runs are far more than a
        // process maps (the agent: 4); past them the runs are advised while reading, which is only slower.
        private readonly (nint Start, nuint Length, Advice Advice)[] _runs = new (nint, nuint, Advice)[64];
        private int _count;
        private bool _runOpen;
        private long _bytes;
        private string? _error;
        private FileMapping? _mapping;
        private long? _residentKb;
        private long? _privateCopiesKb;

        public void Line(ReadOnlySpan<byte> line)
        {
            var firstSpace = line.IndexOf((byte)' ');
            var name = firstSpace < 0 ? line : line[..firstSpace];
            if (name.EndsWith(":"u8))
            {
                if (name.SequenceEqual("Rss:"u8))
                {
                    _residentKb = ParseKb(line[name.Length..]);
                }
                else if (name.SequenceEqual("Anonymous:"u8))
                {
                    _privateCopiesKb = ParseKb(line[name.Length..]);
                }
                return;
            }
            Completed();
            // Anonymous and special mappings have no path: no string made for them.
            _mapping = line.Contains((byte)'/') ? FileMapping.TryParse(Encoding.UTF8.GetString(line)) : null;
            _residentKb = _privateCopiesKb = null;
        }

        /// <summary>Advises the runs of mappings read: the bytes advised, and the first refusal.</summary>
        public (long Bytes, string? Error) AdviseAll()
        {
            for (var i = 0; i < _count; i++)
            {
                var (start, length, advice) = _runs[i];
                if (madvise(start, length, advice))
                {
                    _bytes += (long)length;
                }
                else
                {
                    _error ??= Marshal.GetLastPInvokeErrorMessage();
                }
            }
            _count = 0;
            return (_bytes, _error);
        }

        /// <summary>The mapping whose fields were being read is complete (a new mapping's line, or the end of smaps).</summary>
        public void Completed()
        {
            if (_mapping is not { } m)
            {
                _runOpen = false;
                return;
            }
            var advice = AdviceFor(m, _privateCopiesKb);
            if (_residentKb == 0 || (advice == Advice.PageOut && _residentKb <= _privateCopiesKb))
            {
                _runOpen = false;
                return;
            }
            if (_runOpen && _runs[_count - 1] is var run && run.Advice == advice && run.Start + (nint)run.Length == m.Start)
            {
                _runs[_count - 1] = run with { Length = run.Length + m.Length };
                return;
            }
            if (_count == _runs.Length)
            {
                AdviseAll();
            }
            _runs[_count++] = (m.Start, m.Length, advice);
            _runOpen = true;
        }

        private static long? ParseKb(ReadOnlySpan<byte> value)
        {
            value = value.Trim((byte)' ');
            value = value.EndsWith("kB"u8) ? value[..^2].TrimEnd((byte)' ') : value;
            return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : null;
        }
    }

    private static long? ParseKb(ReadOnlySpan<char> value) =>
        long.TryParse(value.Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture, out var kb) ? kb : null;

    /// <summary>The resident set of this process in kB (VmRSS), 0 when /proc is not there.</summary>
    public static long ResidentKb()
    {
        try
        {
            foreach (var line in Encoding.UTF8.GetString(File.ReadAllBytes("/proc/self/status")).AsSpan().EnumerateLines())
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal) && ParseKb(line[6..]) is { } kb)
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
