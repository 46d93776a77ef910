namespace Mpsa.Netlink.Core;

/// <summary>A netlink message or attribute whose lengths do not add up; names the structure. The only exception the readers throw.</summary>
internal sealed class NetlinkParseException : Exception
{
    public NetlinkParseException()
    {
    }

    public NetlinkParseException(string message)
        : base(message)
    {
    }

    public NetlinkParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
