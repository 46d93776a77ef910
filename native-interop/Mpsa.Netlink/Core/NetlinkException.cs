namespace Mpsa.Netlink.Core;

/// <summary>A netlink socket could not be opened or bound (an environment problem, not a kernel refusal of a request).</summary>
internal sealed class NetlinkException : Exception
{
    public NetlinkException(NetlinkError error)
        : base(error.ToString()) => Error = error;

    public NetlinkException()
    {
    }

    public NetlinkException(string message)
        : base(message)
    {
    }

    public NetlinkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public NetlinkError Error { get; }
}
