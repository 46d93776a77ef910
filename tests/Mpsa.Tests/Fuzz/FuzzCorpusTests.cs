using System.Security.Cryptography;
using Mpsa.Fuzz;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Wire;
using Mpsa.Tests.Exchanges;
using Mpsa.Tests.Wire;

namespace Mpsa.Tests.Fuzz;

/// <summary>
/// The fuzz targets (fuzz/Mpsa.Fuzz/FuzzTargets.cs, compiled in here too) over the committed seed corpus and over
/// every input a fuzzer ever crashed on (fuzz/regressions/TARGET/, where fuzz/run.sh puts them).
/// </summary>
public class FuzzCorpusTests
{
    private static readonly string Root = FindRoot();

    public static IEnumerable<TestCaseData> CorpusAndRegressions() =>
        from target in FuzzTargets.Names
        from dir in new[] { "corpus", "regressions" }
        let path = Path.Combine(Root, "fuzz", dir, target)
        where Directory.Exists(path)
        from file in Directory.GetFiles(path).Order(StringComparer.Ordinal)
        select new TestCaseData(target, Path.GetRelativePath(Root, file)).SetName($"ReplaysFuzzInput({target}, {dir}/{Path.GetFileName(file)})");

    [TestCaseSource(nameof(CorpusAndRegressions))]
    public void ReplaysFuzzInput(string target, string file) =>
        Assert.DoesNotThrow(() => FuzzTargets.Run(target, File.ReadAllBytes(Path.Combine(Root, file))));

    [Test]
    public void SeedsAreRealMessagesTheTargetsAccept()
    {
        var decode = Seeds("decode");
        var sk = Seeds("sk");
        var puts = Seeds("mpsaput");
        Assert.Multiple(() =>
        {
            Assert.That(decode, Has.Count.GreaterThanOrEqualTo(6));
            Assert.That(decode, Has.All.Matches<byte[]>(d => IkeMessage.TryDecode(d, out _, out _)), "every decode seed is a valid message");
            Assert.That(sk.Where(s => (s[0] & FuzzTargets.SealFlag) == 0), Has.All.Matches<byte[]>(OpensWithFixedKeys), "raw sk seeds open under the fixed keys");
            Assert.That(puts, Has.All.Matches<byte[]>(DecodesAsMpsaPut), "every mpsaput seed decodes");
        });
    }

    [Test]
    public void RejectsATargetThatDoesNotExist() =>
        Assert.Throws<ArgumentException>(() => FuzzTargets.Run("nothing", []));

    /// <summary>Rewrites the seed corpus from a real in-memory exchange (explicit: `dotnet test --filter Name=WritesSeedCorpus`).</summary>
    [Test]
    [Explicit("writes fuzz/corpus")]
    public void WritesSeedCorpus()
    {
        using var pair = new Pair(Suites.Default);
        pair.Establish();
        using var put = MpsaPutSamples.Make(0xc0000901);
        pair.FromResponder(pair.Responder.SendMpsaPut(pair.ResponderSpi, [put], pair.Now));
        pair.Deliver();
        pair.Single<Ike.Exchanges.MpsaReceived>(pair.InitiatorEvents).Puts[0].Dispose();
        pair.FromInitiator(pair.Initiator.CheckLiveness(pair.Now));
        pair.Deliver();
        var decode = pair.Wire.Select(w => w.Datagram).Append(SampleMessages.IkeSaInitRequest()).Append(SampleMessages.EveryPayloadCleartext());
        Write("decode", decode);

        using var sample = SampleMessages.SampleMpsaPut();
        byte[][] inners =
        [
            Chain([.. SampleMessages.EveryInnerPayload()]),
            Chain([put.ToNotify()]),
            Chain([sample.ToNotify(), put.ToNotify()]),
            Chain([DeletePayload.IkeSa]),
            Chain([new NotifyPayload(NotifyType.INVALID_SYNTAX)]),
            [0],
        ];
        var sk = new List<byte[]>();
        for (int suite = 0; suite < FuzzTargets.SkFixture.Suites.Length; suite++)
        {
            foreach (var inner in inners)
            {
                sk.Add([(byte)suite, .. FuzzTargets.SealInner(FuzzTargets.SkFixture.Protections[suite].Seal, inner[0], inner.AsSpan(1))]);
                sk.Add([(byte)(suite | FuzzTargets.SealFlag), .. inner]);
            }
        }
        Write("sk", sk);

        Write("mpsaput", new[] { put.ToNotify(), sample.ToNotify(), MpsaPutSamples.Make(0xc0000902).ToNotify() }.Select(n => (byte[])[.. n.Spi, .. n.Data]));
    }

    /// <summary>[first payload type][payload chain], encoded by the real message encoder.</summary>
    private static byte[] Chain(IPayload[] payloads)
    {
        byte[] m = IkeMessage.Encode(SampleMessages.Header(ExchangeType.INFORMATIONAL, messageId: 1), payloads);
        return [m[16], .. m.AsSpan(IkeHeader.Size)];
    }

    private static void Write(string target, IEnumerable<byte[]> seeds)
    {
        string dir = Path.Combine(Root, "fuzz", "corpus", target);
        Directory.CreateDirectory(dir);
        foreach (var seed in seeds)
        {
            File.WriteAllBytes(Path.Combine(dir, Convert.ToHexStringLower(SHA256.HashData(seed))[..16]), seed);
        }
    }

    private static List<byte[]> Seeds(string target) =>
        [.. Directory.GetFiles(Path.Combine(Root, "fuzz", "corpus", target)).Select(File.ReadAllBytes)];

    private static bool OpensWithFixedKeys(byte[] seed)
    {
        byte[] datagram = seed[1..];
        var suite = FuzzTargets.SkFixture.Suites[(seed[0] & 0x7f) % FuzzTargets.SkFixture.Suites.Length];
        var (seal, open) = FuzzTargets.SkFixture.Create(suite);
        using var sealer = seal;
        using var opener = open;
        return IkeMessage.TryDecode(datagram, out var m, out _) && m.TryOpen(datagram, open, out _);
    }

    private static bool DecodesAsMpsaPut(byte[] seed)
    {
        using var put = MpsaPut.Decode(new NotifyPayload(ProtocolId.ESP, NotifyType.MPSA_PUT, seed[..4], seed[4..]));
        return true;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CpeAgent.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("no CpeAgent.sln above " + AppContext.BaseDirectory);
    }
}
