using System.Runtime.InteropServices;
using System.Text;

namespace Mpsa.Hosting;

/// <summary>
/// stdout and stderr without System.Console, whose terminal handling and encodings cost the agent's binary about
/// 42 kB: UTF-8 writers (no BOM) over descriptors 1 and 2, flushed on every write, safe across threads. Plain write(2),
/// not a FileStream: that one writes at its own offset (pwrite), so <c>&gt; file 2&gt;&amp;1</c> would overwrite itself.
/// A closed pipe drops the output, as Console does. Tests may set the writers.
/// </summary>
internal static class StandardStreams
{
    private const int Eintr = 4;
    private const int Eagain = 11;
    private const int Epipe = 32;

    private static TextWriter? s_out;
    private static TextWriter? s_error;

    public static TextWriter Out
    {
        get => Volatile.Read(ref s_out) ?? Create(ref s_out, 1);
        set => Volatile.Write(ref s_out, value);
    }

    public static TextWriter Error
    {
        get => Volatile.Read(ref s_error) ?? Create(ref s_error, 2);
        set => Volatile.Write(ref s_error, value);
    }

    /// <summary>Whether stderr is a terminal (isatty), what Console.IsErrorRedirected negates.</summary>
    public static bool IsErrorTerminal => isatty(2) == 1;

    private static TextWriter Create(ref TextWriter? field, int descriptor)
    {
        var writer = TextWriter.Synchronized(
            new StreamWriter(new DescriptorStream(descriptor), new UTF8Encoding(false), 1024, leaveOpen: true) { AutoFlush = true });
        return Interlocked.CompareExchange(ref field, writer, null) ?? writer;
    }

    private sealed class DescriptorStream(int descriptor) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                nint written = write(descriptor, ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length);
                if (written >= 0)
                {
                    buffer = buffer[(int)written..];
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Epipe)
                {
                    return;
                }
                if (errno == Eagain)
                {
                    Thread.Sleep(1);
                }
                else if (errno != Eintr)
                {
                    throw new IOException($"write to descriptor {descriptor} failed (errno {errno})");
                }
            }
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport generates unsafe code; this project disallows unsafe blocks and these signatures are blittable.
    [DllImport("libc", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
    private static extern int isatty(int fd);

    [DllImport("libc", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true, SetLastError = true)]
    private static extern nint write(int fd, ref byte buf, nuint count);
#pragma warning restore SYSLIB1054
}
