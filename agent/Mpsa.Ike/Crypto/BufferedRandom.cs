namespace Mpsa.Ike.Crypto;

/// <summary>
/// The operating system's CSPRNG (<see cref="SystemRandom"/>) read 4 KiB at a time per thread and handed out in slices:
/// a busy controller asks for random bytes several times per handshake (nonce, SPI, IVs, timer jitter), and each
/// getrandom call is a kernel entry. Bytes handed out are wiped from the buffer; nothing is ever handed out twice.
/// </summary>
public sealed class BufferedRandom : IRandom
{
    public static readonly BufferedRandom Instance = new();

    private const int BufferLength = 4096;

    [ThreadStatic]
    private static byte[]? t_buffer;

    [ThreadStatic]
    private static int t_taken;   // t_buffer[..t_taken] is handed out (and zero)

    public void Fill(Span<byte> destination)
    {
        if (destination.Length > BufferLength / 4)
        {
            SystemRandom.Instance.Fill(destination);
            return;
        }
        var buffer = t_buffer ??= new byte[BufferLength];
        if (t_taken == 0 || BufferLength - t_taken < destination.Length)
        {
            SystemRandom.Instance.Fill(buffer);
            t_taken = 0;
        }
        var slice = buffer.AsSpan(t_taken, destination.Length);
        slice.CopyTo(destination);
        slice.Clear();
        t_taken += destination.Length;
    }
}
