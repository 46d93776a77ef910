using System.Runtime.InteropServices;
using System.Text;

namespace Mpsa.Sockets;

/// <summary>
/// A hash computed by the Linux kernel's crypto API through an AF_ALG socket (linux/if_alg.h): the socket is bound to
/// the transform once, and each <see cref="Compute"/> accepts an operation socket, writes the data and reads the digest.
/// On OpenWrt the interface is kmod-crypto-user (af_alg, algif_hash); kmod-ipsec already brings SHA-1 itself. Safe to
/// call from several threads at once (each call has its own operation socket).
/// </summary>
public sealed class KernelHash : IDisposable
{
    private const int AfAlg = 38;              // AF_ALG
    private const int SeqPacket = 5;           // SOCK_SEQPACKET
    private const int AddressLength = 88;      // struct sockaddr_alg
    private const int Eio = 5;
    private const int TypeOffset = 2, TypeLength = 14, NameOffset = 24, NameLength = 64;

    private readonly SocketHandle _transform;

    private KernelHash(SocketHandle transform, int length)
    {
        _transform = transform;
        Length = length;
    }

    /// <summary>The digest's length in bytes.</summary>
    public int Length { get; }

    /// <summary>
    /// The kernel's hash <paramref name="name"/> with a digest of <paramref name="length"/> bytes, or null with the
    /// reason in <paramref name="problem"/> (no AF_ALG in this kernel, no such hash).
    /// </summary>
    public static KernelHash? TryOpen(string name, int length, out string? problem)
    {
        int fd = SocketSyscalls.Open(AfAlg, SeqPacket, 0, out int errno);
        if (fd < 0)
        {
            problem = $"no AF_ALG socket: {Marshal.GetPInvokeErrorMessage(errno)}";
            return null;
        }
        var handle = new SocketHandle(fd);
        if (SocketSyscalls.Bind(fd, Address("hash", name), out errno) < 0)
        {
            handle.Dispose();
            problem = $"no kernel hash {name}: {Marshal.GetPInvokeErrorMessage(errno)}";
            return null;
        }
        problem = null;
        return new KernelHash(handle, length);
    }

    /// <summary>Writes the hash of <paramref name="data"/> to <paramref name="digest"/> (<see cref="Length"/> bytes).</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The kernel refused the operation.</exception>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        if (digest.Length != Length)
        {
            throw new ArgumentException($"the digest is {Length} bytes", nameof(digest));
        }
        using var lease = _transform.Borrow();
        int fd = SocketSyscalls.Accept(lease.Fd, out int errno);
        if (fd < 0)
        {
            throw SocketErrors.Exception(errno);
        }
        using var operation = new SocketHandle(fd);
        // One write without MSG_MORE: the kernel hashes it and finishes; the read returns the digest.
        if (SocketSyscalls.SendTo(fd, data, [], out errno) != data.Length || SocketSyscalls.Receive(fd, digest, out errno) != Length)
        {
            throw SocketErrors.Exception(errno == 0 ? Eio : errno);   // errno 0: a short write or read
        }
    }

    /// <summary>struct sockaddr_alg: family, type ("hash"), feature and mask bits (0), name.</summary>
    internal static byte[] Address(string type, string name)
    {
        var address = new byte[AddressLength];
        BitConverter.TryWriteBytes(address, (ushort)AfAlg);   // sa_family_t, in the host's order
        if (Encoding.ASCII.GetBytes(type, address.AsSpan(TypeOffset, TypeLength - 1)) == 0
            || Encoding.ASCII.GetBytes(name, address.AsSpan(NameOffset, NameLength - 1)) == 0)
        {
            throw new ArgumentException("empty AF_ALG type or name");
        }
        return address;
    }

    public void Dispose() => _transform.Dispose();
}
