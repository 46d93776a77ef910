namespace Mpsa.Netlink.Route;

/// <summary>RTM_DELROUTE: a route was removed.</summary>
internal sealed record RouteRemoved(RouteEntry Route) : RouteEvent(Route);
