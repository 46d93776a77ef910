using System.IO.MemoryMappedFiles;
using Mpsa.Agent.Memory;
using NUnit.Framework;

namespace Mpsa.Tests.Agent;

public class FilePagesTests
{
    [Test]
    public void ParsesFileMappingsAndSkipsTheRest()
    {
        var m = FileMapping.TryParse("00404000-007d2000 r-xp 00004000 fd:01 1234567                            /usr/lib/mpsa/mpsa agent");
        Assert.That(m, Is.Not.Null);
        Assert.That(m!.Start, Is.EqualTo((nint)0x404000));
        Assert.That(m.Length, Is.EqualTo((nuint)(0x7d2000 - 0x404000)));
        Assert.That(m.Path, Is.EqualTo("/usr/lib/mpsa/mpsa agent"));

        Assert.That(FileMapping.TryParse("7f6157c00000-7f6157c81000 rw-p 00000000 00:00 0 "), Is.Null, "anonymous");
        Assert.That(FileMapping.TryParse("7ffcf80ff000-7ffcf8120000 rw-p 00000000 00:00 0                          [stack]"), Is.Null);
        Assert.That(FileMapping.TryParse("7f00000000-7f00001000 r--p 00000000 fd:01 42 /tmp/gone (deleted)"), Is.Null);
        Assert.That(FileMapping.TryParse("zz-7f00001000 r--p 00000000 fd:01 42 /lib/x.so"), Is.Null);
        Assert.That(FileMapping.TryParse(""), Is.Null);
    }

    [Test]
    public void PagesOfAMappedFileLeaveTheResidentSet()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mpsa-filepages-{Guid.NewGuid():N}");
        const int size = 1 << 20;
        try
        {
            using (var f = new FileStream(path, FileMode.CreateNew))
            {
                f.Write(new byte[size].Select((_, i) => (byte)i).ToArray());
                f.Flush(flushToDisk: true);   // clean pages: dirty ones are written back, not dropped
            }
            using var mapped = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            using var view = mapped.CreateViewAccessor(0, size, MemoryMappedFileAccess.Read);
            long sum = 0;
            for (var i = 0; i < size; i += 4096)
            {
                sum += view.ReadByte(i + 1);
            }
            Assert.That(sum, Is.EqualTo(size / 4096), "every page was read");
            Assert.That(ResidentKb(path), Is.EqualTo(size / 1024));

            var (bytes, error) = FilePages.Release(SmapsEntry(path));   // read-only, no private copies: MADV_DONTNEED

            if (error is not null)
            {
                Assert.Ignore($"this kernel has no MADV_PAGEOUT (Linux 5.4+): {error}");
            }
            Assert.That(bytes, Is.EqualTo(size));
            Assert.That(ResidentKb(path), Is.EqualTo(0));
            Assert.That(view.ReadByte(4096 + 7), Is.EqualTo((byte)7), "a page used again is read back from the file");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void OnlyReadOnlyMappingsWithoutPrivateCopiesAreDropped()
    {
        var text = FileMapping.TryParse("00404000-00641000 r-xp 00004000 fe:00 5317598 /usr/bin/mpsa-agent")!;
        var relro = FileMapping.TryParse("00701000-00702000 r--p 00301000 fe:00 5317598 /usr/bin/mpsa-agent")!;
        var data = FileMapping.TryParse("007c1000-007cd000 rw-p 003c1000 fe:00 5317598 /usr/bin/mpsa-agent")!;
        Assert.That(data.Writable && !text.Writable && !relro.Writable, Is.True);

        Assert.That(FilePages.AdviceFor(text, privateCopiesKb: 0), Is.EqualTo(FilePages.Advice.DontNeed));
        Assert.That(FilePages.AdviceFor(relro, privateCopiesKb: 4), Is.EqualTo(FilePages.Advice.PageOut), "RELRO: relocated private copies");
        Assert.That(FilePages.AdviceFor(data, privateCopiesKb: 0), Is.EqualTo(FilePages.Advice.PageOut), "writable");
        Assert.That(FilePages.AdviceFor(text, privateCopiesKb: null), Is.EqualTo(FilePages.Advice.PageOut), "smaps did not say");
    }

    [Test]
    public void AWrittenPrivatePageIsNeverDropped()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mpsa-filepages-{Guid.NewGuid():N}");
        const int size = 64 * 1024;
        try
        {
            File.WriteAllBytes(path, new byte[size]);
            using var mapped = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.CopyOnWrite);
            using var view = mapped.CreateViewAccessor(0, size, MemoryMappedFileAccess.CopyOnWrite);
            view.Write(4096 + 3, (byte)42);   // a private copy, in this process only
            Assert.That(view.ReadByte(8192), Is.Zero);   // and a page of the file: something to give back

            var (bytes, _) = FilePages.Release(SmapsEntry(path));

            Assert.That(bytes, Is.GreaterThan(0), "the mapping was advised");
            Assert.That(view.ReadByte(4096 + 3), Is.EqualTo((byte)42), "MADV_DONTNEED would have put the file's 0 back");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void AdjacentMappingsWithOneAdviceGoInOneCallAndMappingsWithNothingToGiveBackInNone()
    {
        const string smaps = """
            00400000-00404000 r--p 00000000 fe:00 77 /usr/bin/mpsa-agent
            Rss:                  16 kB
            Anonymous:             0 kB
            00404000-00641000 r-xp 00004000 fe:00 77 /usr/bin/mpsa-agent
            Rss:                 800 kB
            Anonymous:             0 kB
            00641000-00701000 r--p 00241000 fe:00 77 /usr/bin/mpsa-agent
            Rss:                  40 kB
            Anonymous:             0 kB
            00701000-00702000 r--p 00301000 fe:00 77 /usr/bin/mpsa-agent
            Rss:                   4 kB
            Anonymous:             4 kB
            00702000-0070c000 rw-p 00302000 fe:00 77 /usr/bin/mpsa-agent
            Rss:                  24 kB
            Anonymous:             8 kB
            0070c000-0070e000 rw-p 00000000 00:00 0
            Rss:                   8 kB
            Anonymous:             8 kB
            7f000000-7f001000 r--p 00000000 fe:00 88 /lib/ld-musl-x86_64.so.1
            Rss:                   0 kB
            Anonymous:             0 kB
            7f001000-7f050000 r-xp 00001000 fe:00 88 /lib/ld-musl-x86_64.so.1
            Rss:                 120 kB
            Anonymous:             0 kB
            7f050000-7f051000 rw-p 00050000 fe:00 88 /lib/ld-musl-x86_64.so.1
            Rss:                   4 kB
            Anonymous:             4 kB

            """;
        var calls = new List<(nint Start, nuint Length, FilePages.Advice Advice)>();

        var (bytes, error) = FilePages.Release(smaps, (start, length, advice) => { calls.Add((start, length, advice)); return true; });

        Assert.That(calls, Is.EqualTo(new (nint, nuint, FilePages.Advice)[]
        {
            (0x400000, 0x701000 - 0x400000, FilePages.Advice.DontNeed),   // header, code, rodata: one call
            (0x702000, 0xa000, FilePages.Advice.PageOut),                   // data (RELRO holds only private copies)
            (0x7f001000, 0x4f000, FilePages.Advice.DontNeed),           // musl's code (its header holds nothing)
        }));
        Assert.That(bytes, Is.EqualTo(0x301000 + 0xa000 + 0x4f000));
        Assert.That(error, Is.Null);
    }

    [Test]
    public void NothingIsAdvisedBeforeSmapsIsReadToItsEnd()
    {
        // Three mappings apart (three calls); one advised while the next were still being parsed would drop the parser's
        // own code, which the rest of the parse faults straight back in.
        const string smaps = """
            00400000-00404000 r-xp 00000000 fe:00 77 /usr/bin/mpsa-agent
            Rss:                  16 kB
            Anonymous:             0 kB
            7f001000-7f050000 r-xp 00001000 fe:00 88 /lib/ld-musl-x86_64.so.1
            Rss:                 120 kB
            Anonymous:             0 kB
            7f100000-7f101000 r--p 00000000 fe:00 99 /usr/lib/libsodium.so
            Rss:                   4 kB
            Anonymous:             0 kB

            """;
        using var stream = new Trickle(System.Text.Encoding.UTF8.GetBytes(smaps));
        var unreadAtEachCall = new List<long>();

        var (bytes, _) = FilePages.Release(stream, (_, _, _) => { unreadAtEachCall.Add(stream.Length - stream.Position); return true; });

        Assert.That(unreadAtEachCall, Is.EqualTo(new long[] { 0, 0, 0 }));
        Assert.That(bytes, Is.EqualTo(0x4000 + 0x4f000 + 0x1000));
    }

    [Test]
    public void ReleaseOwnAdvisesThisProcessAndReportsItsRss()
    {
        var (bytes, _) = FilePages.ReleaseOwn();
        Assert.That(bytes, Is.GreaterThan(0), "the test host maps at least its own files");
        Assert.That(FilePages.ResidentKb(), Is.GreaterThan(0));
    }

    /// <summary>A stream read 16 bytes at a time, as a file may be read: parsing and reading go hand in hand.</summary>
    private sealed class Trickle(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 16)]);
    }

    /// <summary>The smaps lines of the one mapping of <paramref name="mappedPath"/>: its maps line and its fields.</summary>
    private static string SmapsEntry(string mappedPath)
    {
        var lines = File.ReadAllLines("/proc/self/smaps");
        var at = Array.FindIndex(lines, l => l.EndsWith(mappedPath, StringComparison.Ordinal));
        var fields = lines.Skip(at + 1).TakeWhile(l => l.Split(' ')[0].EndsWith(':'));
        return string.Join('\n', fields.Prepend(lines[at])) + "\n";
    }

    private static long ResidentKb(string mappedPath)
    {
        var lines = File.ReadAllLines("/proc/self/smaps");
        var at = Array.FindIndex(lines, l => l.EndsWith(mappedPath, StringComparison.Ordinal));
        var rss = lines.Skip(at + 1).First(l => l.StartsWith("Rss:", StringComparison.Ordinal));
        return long.Parse(rss["Rss:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
