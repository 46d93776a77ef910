using System.Net;

namespace Mpsa.Agent.Config;

/// <summary>The controller's addresses (<c>address = a, b, c</c>) as the kernel and <c>status</c> want them.</summary>
internal static class ControllerAddresses
{
    /// <summary>Every controller address, without the port: none of them is a group peer, each gets the esp_only guard.</summary>
    public static IPAddress[] Of(AgentSettings settings)
    {
        var addresses = new IPAddress[settings.Controllers.Count];
        for (int i = 0; i < addresses.Length; i++)
        {
            addresses[i] = settings.Controllers[i].Address;
        }
        return addresses;
    }

    /// <summary>ADDRESS:PORT of each, as <c>status</c> shows them.</summary>
    public static string[] Texts(IReadOnlyList<IPEndPoint> endpoints)
    {
        var texts = new string[endpoints.Count];
        for (int i = 0; i < texts.Length; i++)
        {
            texts[i] = endpoints[i].ToString();
        }
        return texts;
    }
}
