using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Mpsa.Sockets;

/// <summary>
/// Linux errno values as <see cref="SocketError"/>, the way System.Net.Sockets reports them, so a
/// <see cref="SocketException"/> from <see cref="PosixSocket"/> carries the same code; its message is the errno's text
/// ("Connection refused").
/// </summary>
internal static class SocketErrors
{
    public static SocketException Exception(int errno) => new((int)From(errno), Marshal.GetPInvokeErrorMessage(errno));

    public static SocketError From(int errno) => errno switch
    {
        1 or 13 => SocketError.AccessDenied,                // EPERM, EACCES
        2 => SocketError.AddressNotAvailable,               // ENOENT (a Unix socket path that is not there)
        4 => SocketError.Interrupted,                       // EINTR
        9 => SocketError.OperationAborted,                  // EBADF
        11 => SocketError.WouldBlock,                       // EAGAIN
        12 or 105 => SocketError.NoBufferSpaceAvailable,    // ENOMEM, ENOBUFS
        14 => SocketError.Fault,                            // EFAULT
        22 => SocketError.InvalidArgument,                  // EINVAL
        23 or 24 => SocketError.TooManyOpenSockets,         // ENFILE, EMFILE
        32 => SocketError.Shutdown,                         // EPIPE
        61 => SocketError.NoData,                           // ENODATA
        88 => SocketError.NotSocket,                        // ENOTSOCK
        89 => SocketError.DestinationAddressRequired,       // EDESTADDRREQ
        90 => SocketError.MessageSize,                      // EMSGSIZE
        91 => SocketError.ProtocolType,                     // EPROTOTYPE
        92 => SocketError.ProtocolOption,                   // ENOPROTOOPT
        93 => SocketError.ProtocolNotSupported,             // EPROTONOSUPPORT
        94 => SocketError.SocketNotSupported,               // ESOCKTNOSUPPORT
        95 => SocketError.OperationNotSupported,            // EOPNOTSUPP
        96 => SocketError.ProtocolFamilyNotSupported,       // EPFNOSUPPORT
        97 => SocketError.AddressFamilyNotSupported,        // EAFNOSUPPORT
        98 => SocketError.AddressAlreadyInUse,              // EADDRINUSE
        99 => SocketError.AddressNotAvailable,              // EADDRNOTAVAIL
        100 => SocketError.NetworkDown,                     // ENETDOWN
        101 => SocketError.NetworkUnreachable,              // ENETUNREACH
        102 => SocketError.NetworkReset,                    // ENETRESET
        103 => SocketError.ConnectionAborted,               // ECONNABORTED
        104 => SocketError.ConnectionReset,                 // ECONNRESET
        106 => SocketError.IsConnected,                     // EISCONN
        107 => SocketError.NotConnected,                    // ENOTCONN
        108 => SocketError.Disconnecting,                   // ESHUTDOWN
        110 => SocketError.TimedOut,                        // ETIMEDOUT
        111 => SocketError.ConnectionRefused,               // ECONNREFUSED
        112 => SocketError.HostDown,                        // EHOSTDOWN
        113 => SocketError.HostUnreachable,                 // EHOSTUNREACH
        114 => SocketError.AlreadyInProgress,               // EALREADY
        115 => SocketError.InProgress,                      // EINPROGRESS
        125 => SocketError.OperationAborted,                // ECANCELED
        _ => SocketError.SocketError,
    };
}
