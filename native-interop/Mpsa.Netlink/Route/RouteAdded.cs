namespace Mpsa.Netlink.Route;

/// <summary>RTM_NEWROUTE: a route was added or replaced.</summary>
internal sealed record RouteAdded(RouteEntry Route) : RouteEvent(Route);
