using Mpsa.Controller;
using Mpsa.Hosting;

namespace Mpsa.Tests.Config;

/// <summary>A small controller config (one group, one member) with the keys a test adds, read as check-config reads it.</summary>
internal static class ControllerConfigSample
{
    public const string Path = "/etc/mpsa/controller.conf";

    /// <summary>The settings (null when refused) and every problem as <c>FILE:LINE: key: what</c>; the keys given
    /// for [controller] start on line 3.</summary>
    public static (ControllerSettings? Settings, string[] Errors) Read(string controllerKeys, string groupKeys = "")
    {
        string text = $"""
            [controller]
            identity = controller.test
            {controllerKeys}
            [group g]
            {groupKeys}
            [member cpe]
            identity = cpe.test
            psk = "x"
            group = g
            """;
        ConfigReader.TryRead(IniFile.Parse(Path, text), r => ControllerConfigFile.Read(r, _ => { }), out var s, out var errors);
        return (s, [.. errors.Select(e => e.ToString())]);
    }
}
