using System.Runtime.InteropServices;

namespace Mpsa.Sockets;

/// <summary>Owns one socket's file descriptor; <see cref="ReleaseHandle"/> closes it.</summary>
internal sealed class SocketHandle : SafeHandle
{
    public SocketHandle(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>
    /// Holds the descriptor open for one call: a socket disposed meanwhile is closed when the call returns, so its number
    /// cannot be reused under the call. Throws <see cref="ObjectDisposedException"/> once the socket is closed.
    /// </summary>
    public Lease Borrow() => new(this);

    protected override bool ReleaseHandle() => SocketSyscalls.Close(handle.ToInt32()) == 0;

    public ref struct Lease : IDisposable
    {
        private readonly SocketHandle _owner;
        private bool _added;

        public Lease(SocketHandle owner)
        {
            _owner = owner;
            owner.DangerousAddRef(ref _added);
            Fd = owner.DangerousGetHandle().ToInt32();
        }

        public int Fd { get; }

        public void Dispose()
        {
            if (_added)
            {
                _added = false;
                _owner.DangerousRelease();
            }
        }
    }
}
