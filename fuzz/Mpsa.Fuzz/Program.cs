using Mpsa.Fuzz;
using SharpFuzz;

// mpsa fuzz harness. Under libFuzzer (fuzz/driver, which sets __LIBFUZZER_SHM_ID): `Mpsa.Fuzz TARGET`.
// By hand: `Mpsa.Fuzz TARGET FILE...` runs each file once and prints what escaped, if anything.
if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: Mpsa.Fuzz {string.Join('|', FuzzTargets.Names)} [FILE...]");
    return 64;
}
string target = args[0];
if (Environment.GetEnvironmentVariable("__LIBFUZZER_SHM_ID") is not null)
{
    Fuzzer.LibFuzzer.Run(data => FuzzTargets.Run(target, data));
    return 0;
}
int failed = 0;
foreach (var file in args.Skip(1))
{
    try
    {
        FuzzTargets.Run(target, File.ReadAllBytes(file));
    }
#pragma warning disable CA1031 // a replay reports every escape and goes on
    catch (Exception e)
#pragma warning restore CA1031
    {
        Console.Error.WriteLine($"{file}: {e}");
        failed++;
    }
}
Console.WriteLine($"{args.Length - 1 - failed} passed, {failed} failed");
return failed == 0 ? 0 : 1;
