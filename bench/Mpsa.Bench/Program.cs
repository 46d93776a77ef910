using Mpsa.Bench;

// mpsa-bench handshake|fanout|cluster|config|hold --key value ...  (bench/run.sh calls it; every RESULT line goes to RESULTS.md)
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: mpsa-bench handshake|fanout|cluster|config|hold --key value ...");
    return 64;
}
var options = new BenchArgs(args.Skip(1));
return args[0] switch
{
    "handshake" => HandshakeScenario.Run(options),
    "fanout" => FanOutScenario.Run(options),
    "cluster" => ClusterFanOutScenario.Run(options),
    "config" => ConfigScenario.Run(options),
    "hold" => HoldScenario.Run(options),
    _ => 64,
};
