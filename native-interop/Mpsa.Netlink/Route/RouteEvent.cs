namespace Mpsa.Netlink.Route;

/// <summary>A change of a watched routing table (RTM_NEWROUTE or RTM_DELROUTE).</summary>
internal abstract record RouteEvent(RouteEntry Route);
