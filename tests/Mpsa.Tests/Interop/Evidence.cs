using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mpsa.Tests.Interop;

/// <summary>
/// The evidence directory run-interop.sh fills (also on failure): result.txt (key=value), list-sas-NAME.txt
/// (swanctl --list-sas of charon instance NAME: hub or cpe), NAME.charon.log (filelog with ike = 4),
/// agent-status.json / controller-status.json, agent.log / controller.log, the configurations.
/// </summary>
internal sealed class Evidence(string dir)
{
    public string Dir { get; } = dir;

    public IReadOnlyDictionary<string, string> Result
    {
        get
        {
            var values = new Dictionary<string, string>();
            string path = Path.Combine(Dir, "result.txt");
            if (File.Exists(path))
            {
                foreach (string line in File.ReadLines(path))
                {
                    int eq = line.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0)
                    {
                        values[line[..eq]] = line[(eq + 1)..]; // the last one of a key wins
                    }
                }
            }
            return values;
        }
    }

    public string Outcome => Result.TryGetValue("outcome", out string? o) ? o : "(no result.txt)";

    public string Reason => Result.TryGetValue("reason", out string? r) ? r : "";

    public string? Text(string file)
    {
        string path = Path.Combine(Dir, file);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    public SwanctlSas ListSas(string instance) =>
        SwanctlSas.Parse(Text($"list-sas-{instance}.txt") ?? throw new AssertionException($"no swanctl --list-sas output of charon {instance} in {Dir}"));

    public CharonLog CharonLog(string instance) =>
        new(Text($"{instance}.charon.log") ?? throw new AssertionException($"no charon log of {instance} in {Dir}"));

    public JsonElement Status(string daemon)
    {
        string text = Text($"{daemon}-status.json") ?? throw new AssertionException($"no `mpsa-{daemon} status --json` output in {Dir}");
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new AssertionException($"mpsa-{daemon} status --json is not JSON ({e.Message}):\n{text}");
        }
    }

    /// <summary>The status JSON, or an undefined element (every field then reads "(no ...)") when there is none.</summary>
    public JsonElement StatusOrUndefined(string daemon) => Text($"{daemon}-status.json") is null ? default : Status(daemon);

    /// <summary>All files, in an order that reads well; charon logs without the DBG4 hex dumps (the keys are in the file).</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        string[] first = ["result.txt", "agent-check-config.txt", "controller-check-config.txt", "agent-status.json", "controller-status.json",
            "list-sas-hub.txt", "list-sas-cpe.txt", "agent.conf", "controller.conf", "agent.log", "controller.log"];
        var files = Directory.Exists(Dir) ? Directory.GetFiles(Dir).Select(Path.GetFileName).OfType<string>().ToList() : [];
        foreach (string f in first.Where(files.Contains).Concat(files.Where(f => !first.Contains(f)).Order(StringComparer.Ordinal)))
        {
            if (f.EndsWith(".pcap", StringComparison.Ordinal) || f == "pids")
            {
                continue;
            }
            string text = File.ReadAllText(Path.Combine(Dir, f));
            IEnumerable<string> lines = text.Split('\n');
            if (f.EndsWith("charon.log", StringComparison.Ordinal))
            {
                lines = lines.Where(l => !Interop.CharonLog.IsDumpLine(l));
            }
            var list = lines.ToList();
            const int Max = 400;
            sb.AppendLine(CultureInfo.InvariantCulture, $"=== {f}{(list.Count > Max ? $" (last {Max} of {list.Count} lines)" : "")}:");
            foreach (string l in list.Skip(Math.Max(0, list.Count - Max)))
            {
                sb.AppendLine(l.TrimEnd('\r'));
            }
        }
        return sb.ToString();
    }
}

/// <summary>swanctl --list-sas text output (strongSwan 5.9.8).</summary>
internal sealed partial class SwanctlSas
{
    public sealed record Child(string Name, int UniqueId, string State, string Mode, string Proposal, string InSpi, string OutSpi, string LocalTs, string RemoteTs);

    public sealed record Ike(string Name, int UniqueId, string State, string SpiI, string SpiR, string LocalId, string LocalAddress,
        string RemoteId, string RemoteAddress, string Proposal, List<Child> Children);

    public List<Ike> IkeSas { get; } = [];

    public string Raw { get; private init; } = "";

    // mpsa: #1, ESTABLISHED, IKEv2, 36a8694916aff72a_i* c0556027f143dc2a_r
    [GeneratedRegex(@"^(\S+): #(\d+), ([A-Z_]+), IKEv2, ([0-9a-f]{16})_i\*? ([0-9a-f]{16})_r\*?")]
    private static partial Regex IkeLine();

    //   local  'cpe1.example.net' @ 10.91.0.2[4500]
    [GeneratedRegex(@"^  (local|remote) +'([^']*)' @ (\S+)$")]
    private static partial Regex EndpointLine();

    //   AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519
    [GeneratedRegex(@"^  ([A-Z0-9_]+(?:-\d+)?(?:/[A-Z0-9_]+(?:-\d+)?)+)$")]
    private static partial Regex ProposalLine();

    //   mpsa: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-128/HMAC_SHA2_256_128
    [GeneratedRegex(@"^  (\S+): #(\d+), reqid \d+, ([A-Z_]+), (\S+), ESP:(\S+)")]
    private static partial Regex ChildLine();

    //     in  6ee36ea8,      0 bytes, ...
    [GeneratedRegex(@"^    (in|out) +([0-9a-f]{8})")]
    private static partial Regex SpiLine();

    //     local  10.91.0.2/32
    [GeneratedRegex(@"^    (local|remote) +(.+)$")]
    private static partial Regex TsLine();

    public static SwanctlSas Parse(string text)
    {
        var sas = new SwanctlSas { Raw = text };
        Ike? ike = null;
        Child? child = null;
        void FlushChild()
        {
            if (child is not null && ike is not null)
            {
                ike.Children.Add(child);
            }
            child = null;
        }
        foreach (string line in text.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            Match m;
            if ((m = IkeLine().Match(line)).Success)
            {
                FlushChild();
                ike = new Ike(m.Groups[1].Value, Int(m.Groups[2].Value), m.Groups[3].Value, m.Groups[4].Value, m.Groups[5].Value, "", "", "", "", "", []);
                sas.IkeSas.Add(ike);
            }
            else if (ike is null)
            {
                continue;
            }
            else if (child is null && (m = EndpointLine().Match(line)).Success)
            {
                int idx = sas.IkeSas.Count - 1;
                ike = m.Groups[1].Value == "local"
                    ? ike with { LocalId = m.Groups[2].Value, LocalAddress = m.Groups[3].Value }
                    : ike with { RemoteId = m.Groups[2].Value, RemoteAddress = m.Groups[3].Value };
                sas.IkeSas[idx] = ike;
            }
            else if (child is null && ike.Proposal.Length == 0 && (m = ProposalLine().Match(line)).Success)
            {
                int idx = sas.IkeSas.Count - 1;
                ike = ike with { Proposal = m.Groups[1].Value };
                sas.IkeSas[idx] = ike;
            }
            else if ((m = ChildLine().Match(line)).Success)
            {
                FlushChild();
                child = new Child(m.Groups[1].Value, Int(m.Groups[2].Value), m.Groups[3].Value, m.Groups[4].Value, m.Groups[5].Value, "", "", "", "");
            }
            else if (child is not null && (m = SpiLine().Match(line)).Success)
            {
                child = m.Groups[1].Value == "in" ? child with { InSpi = m.Groups[2].Value } : child with { OutSpi = m.Groups[2].Value };
            }
            else if (child is not null && (m = TsLine().Match(line)).Success)
            {
                child = m.Groups[1].Value == "local" ? child with { LocalTs = m.Groups[2].Value.Trim() } : child with { RemoteTs = m.Groups[2].Value.Trim() };
            }
        }
        FlushChild();
        return sas;
    }

    private static int Int(string s) => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
}

/// <summary>
/// A charon filelog written with `ike = 4`: the DBG4 dumps of keymat_v2.c (`Sk_d secret => 32 bytes @ 0x...`
/// followed by `   0: D9 E5 ...` lines, 16 bytes a line), keyed by the IKE SA's unique id (`&lt;name|1&gt;` or `&lt;1&gt;`).
/// </summary>
internal sealed partial class CharonLog(string text)
{
    public string Text { get; } = text;

    // 07:58:40 10[IKE] <1> Sk_ei secret => 36 bytes @ 0x561185fb1560
    [GeneratedRegex(@"^\S+ (\d+)\[(\w+)\] <(?:[^|>]*\|)?(\d+)> (.*) => (\d+) bytes @ 0x[0-9a-f]+$")]
    private static partial Regex DumpHeader();

    // 07:58:40 10[IKE] <1>    0: FD 4E 25 28 ...  .N%(x.".IA.....S
    [GeneratedRegex(@"^\S+ (\d+)\[(\w+)\] (?:<[^>]*> )?\s*(\d+): ((?:[0-9A-F]{2} ?){1,16})")]
    private static partial Regex DumpLine();

    public static bool IsDumpLine(string line) => DumpLine().IsMatch(line);

    /// <summary>Every dump labelled <paramref name="label"/> (exactly) for IKE SA unique id <paramref name="ikeSa"/>, in log order.</summary>
    public List<byte[]> Dumps(string label, int ikeSa)
    {
        var found = new List<byte[]>();
        string[] lines = Text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var h = DumpHeader().Match(lines[i].TrimEnd('\r'));
            if (!h.Success || h.Groups[4].Value != label || int.Parse(h.Groups[3].Value, CultureInfo.InvariantCulture) != ikeSa)
            {
                continue;
            }
            string thread = h.Groups[1].Value;
            int n = int.Parse(h.Groups[5].Value, CultureInfo.InvariantCulture);
            var data = new List<byte>(n);
            for (int j = i + 1; j < lines.Length && data.Count < n; j++)
            {
                var d = DumpLine().Match(lines[j]);
                if (!d.Success || d.Groups[1].Value != thread || int.Parse(d.Groups[3].Value, CultureInfo.InvariantCulture) != data.Count)
                {
                    break;
                }
                int take = Math.Min(16, n - data.Count);
                string[] hex = d.Groups[4].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                data.AddRange(hex.Take(take).Select(x => Convert.ToByte(x, 16)));
            }
            if (data.Count != n)
            {
                throw new AssertionException($"charon log: dump of '{label}' for IKE SA #{ikeSa} has {data.Count} of {n} bytes");
            }
            found.Add([.. data]);
        }
        return found;
    }

    /// <summary>The one dump of <paramref name="label"/> for the IKE SA; <paramref name="optional"/> labels may be absent (empty).</summary>
    public byte[] Key(string label, int ikeSa, bool optional = false, bool last = false)
    {
        var all = Dumps(label, ikeSa);
        if (all.Count == 0 && optional)
        {
            return [];
        }
        if (last && all.Count > 0)
        {
            return all[^1];
        }
        if (all.Count != 1)
        {
            throw new AssertionException($"charon log: '{label}' printed {all.Count} times for IKE SA #{ikeSa} (expected once; ike = 4 in the filelog?)");
        }
        return all[0];
    }

    /// <summary>
    /// The key fingerprint of DESIGN's status JSON, computed here with .NET's SHA-256 from charon's own SK_* dumps:
    /// the first 16 lowercase hex digits of SHA-256(SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr). charon does not
    /// print SK_ai / SK_ar for AEAD suites (they are empty); SK_ei / SK_er include the 4-byte salt for AEAD. With
    /// <paramref name="afterUpdates"/>, the keys charon derived last (after the updates of additional key exchanges).
    /// </summary>
    public string IkeKeyFingerprint(int ikeSa, bool afterUpdates = false)
    {
        byte[] all =
        [
            .. Key("Sk_d secret", ikeSa, last: afterUpdates),
            .. Key("Sk_ai secret", ikeSa, optional: true, last: afterUpdates),
            .. Key("Sk_ar secret", ikeSa, optional: true, last: afterUpdates),
            .. Key("Sk_ei secret", ikeSa, last: afterUpdates),
            .. Key("Sk_er secret", ikeSa, last: afterUpdates),
            .. Key("Sk_pi secret", ikeSa, last: afterUpdates),
            .. Key("Sk_pr secret", ikeSa, last: afterUpdates),
        ];
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(all).AsSpan(0, 8));
    }

    /// <summary>Log lines (without the timestamp/thread prefix) of IKE SA <paramref name="ikeSa"/> matching <paramref name="pattern"/>.</summary>
    public List<Match> Lines(int ikeSa, Regex pattern)
    {
        var result = new List<Match>();
        foreach (string line in Text.Split('\n'))
        {
            var p = Prefix().Match(line);
            if (p.Success && int.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture) == ikeSa)
            {
                var m = pattern.Match(line[p.Length..].TrimEnd('\r'));
                if (m.Success)
                {
                    result.Add(m);
                }
            }
        }
        return result;
    }

    [GeneratedRegex(@"^\S+ \d+\[\w+\] <(?:[^|>]*\|)?(\d+)> ")]
    private static partial Regex Prefix();
}
