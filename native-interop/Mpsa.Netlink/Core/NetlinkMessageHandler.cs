namespace Mpsa.Netlink.Core;

/// <summary>Receives one netlink message; the message's spans are valid only during the call.</summary>
internal delegate void NetlinkMessageHandler(NetlinkMessage message);
