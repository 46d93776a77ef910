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
            var line = File.ReadAllLines("/proc/self/maps").Single(l => l.EndsWith(path, StringComparison.Ordinal));
            Assert.That(ResidentKb(path), Is.EqualTo(size / 1024));

            var (bytes, error) = FilePages.Release(line);

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
    public void ReleaseOwnAdvisesThisProcessAndReportsItsRss()
    {
        var (bytes, _) = FilePages.ReleaseOwn();
        Assert.That(bytes, Is.GreaterThan(0), "the test host maps at least its own files");
        Assert.That(FilePages.ResidentKb(), Is.GreaterThan(0));
    }

    private static long ResidentKb(string mappedPath)
    {
        var lines = File.ReadAllLines("/proc/self/smaps");
        var at = Array.FindIndex(lines, l => l.EndsWith(mappedPath, StringComparison.Ordinal));
        var rss = lines.Skip(at + 1).First(l => l.StartsWith("Rss:", StringComparison.Ordinal));
        return long.Parse(rss["Rss:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
