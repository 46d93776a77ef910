namespace Mpsa.Bench;

/// <summary>`config`: writes a controller.conf for --count simulated CPEs (the handshake run against mpsa-controller).</summary>
internal static class ConfigScenario
{
    public static int Run(BenchArgs a)
    {
        var spec = new ControllerConfigSpec(a.Int("count", 1000), a.String("listen"), a.String("ike", "chacha20poly1305-prfsha256-x25519"),
            a.String("psk", "mpsa-bench-psk-0123456789"), a.String("ids", "cpe{i}.bench"), a.String("control-socket"))
        {
            LogLevel = a.String("log-level", "info"),
            CookieThreshold = a.Int("cookie-threshold", 100),
            RequireVendorId = !a.Flag("no-vendor-id"),
            Lifetime = a.String("lifetime", "1h"),
            RekeyMargin = a.String("rekey-margin", "5m"),
            Roll1 = a.String("roll1", "30s"),
            Roll2 = a.String("roll2", "60s"),
        };
        string output = a.String("out");
        a.EnsureAllRead();
        ControllerConfigWriter.Write(output, spec, sparesLeft: 0);
        return 0;
    }
}
