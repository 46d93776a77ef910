using System.Text;
using System.Text.Json;
using Mpsa.Controller.Cluster;
using Mpsa.Controller.Members;
using Mpsa.Controller.State;
using Mpsa.Hosting;

namespace Mpsa.Controller;

/// <summary>
/// `mpsa-controller member add|remove|list|import`: the members of a cluster, kept in etcd where every replica reads
/// them (within a second). Needs the config file's <c>[cluster]</c> section and the state key, which seals each PSK.
/// </summary>
internal static class MemberCommands
{
    public const string Usage = """
               mpsa-controller member add NAME --identity ID --group GROUP [--psk-file FILE] [--no-vendor-id] [--config FILE]
               mpsa-controller member remove NAME [--config FILE]
               mpsa-controller member list [--json] [--config FILE]
               mpsa-controller member import FILE [--config FILE]   (CSV with a header name,identity,group,psk; or a JSON array)
        """;

    private const int ExitData = 65;
    private static readonly TimeSpan EtcdTimeout = TimeSpan.FromSeconds(5);
    private static readonly HashSet<string> Flags = ["--json", "--no-vendor-id"];
    private static readonly HashSet<string> Valued = ["--config", "--identity", "--group", "--psk-file"];

    public static int Run(string[] args)
    {
        // member SUB [NAME|FILE] [options]
        string sub = args.Length > 1 ? args[1] : "";
        string? argument = args.Length > 2 && !args[2].StartsWith("--", StringComparison.Ordinal) ? args[2] : null;
        var line = CommandLine.Parse([sub, .. args.Skip(argument is null ? 2 : 3)], Flags, Valued, out var error);
        bool needsArgument = sub is "add" or "remove" or "import";
        if (line is null || sub is not ("add" or "remove" or "list" or "import") || needsArgument != (argument is not null))
        {
            Console.Error.WriteLine($"mpsa-controller: {error ?? (needsArgument && argument is null ? $"member {sub} needs a {(sub == "import" ? "FILE" : "NAME")}" : "member: add, remove, list or import")}\nusage:\n{Usage}");
            return DaemonCli.ExitUsage;
        }
        string path = line.Value("--config") ?? ControllerConfigFile.DefaultPath;
        if (!ControllerCli.TryLoad(path, out var settings))
        {
            return DaemonCli.ExitConfig;
        }
        if (settings.Cluster is not { } cluster)
        {
            Console.Error.WriteLine($"mpsa-controller: {path} has no [cluster] section: a standalone controller's members are its [member] sections");
            return DaemonCli.ExitConfig;
        }
        StateKey key;
        try
        {
            key = StateKey.Read(settings.StateKeyFile);
        }
        catch (StateException e)
        {
            Console.Error.WriteLine($"mpsa-controller: {e.Message}");
            return DaemonCli.ExitConfig;
        }
        using (key)
        using (var etcd = EtcdConnection.Open(cluster))
        {
            var directory = new EtcdMemberDirectory(etcd, cluster.Prefix, key, EtcdTimeout);
            try
            {
                return sub switch
                {
                    "add" => Add(directory, settings, path, argument!, line),
                    "remove" => Remove(directory, settings, path, argument!),
                    "list" => List(directory, settings, line.Has("--json")),
                    _ => Import(directory, settings, argument!),
                };
            }
            catch (StateException e)
            {
                Console.Error.WriteLine($"mpsa-controller: {e.Message}");
                return DaemonCli.ExitUnavailable;
            }
        }
    }

    private static int Add(EtcdMemberDirectory directory, ControllerSettings settings, string configPath, string name, CommandLine line)
    {
        if (line.Value("--identity") is not { } identity || line.Value("--group") is not { } group)
        {
            Console.Error.WriteLine($"mpsa-controller: member add needs --identity ID and --group GROUP\nusage:\n{Usage}");
            return DaemonCli.ExitUsage;
        }
        string? psk = null;
        if (line.Value("--psk-file") is { } pskFile)
        {
            var read = SecretFile.Read(pskFile);
            if (read.Secret is null)
            {
                Console.Error.WriteLine($"mpsa-controller: {pskFile}: {read.Error?.Message ?? "cannot read the PSK file"}");
                return DaemonCli.ExitConfig;
            }
            psk = "0x" + Convert.ToHexString(read.Secret);
            Array.Clear(read.Secret);
        }
        var draft = new MemberDraft("member add", name, identity, group, psk, !line.Has("--no-vendor-id"));
        return Write(directory, settings, configPath, [draft]) is { } written
            ? Done($"member {name} added ({identity}, group {group}, {(psk is null ? "certificate" : "psk")}){(written.Replaced > 0 ? ", replacing the one of that name" : "")}")
            : ExitData;
    }

    private static int Remove(EtcdMemberDirectory directory, ControllerSettings settings, string configPath, string name)
    {
        if (settings.Members.Any(m => m.Name == name))
        {
            Console.Error.WriteLine($"mpsa-controller: member {name} is a [member {name}] section of {configPath}, not in etcd: remove it there and reload every replica");
            return DaemonCli.ExitConfig;
        }
        if (!directory.Remove(name))
        {
            Console.Error.WriteLine($"mpsa-controller: no member {name} in etcd");
            return 1;
        }
        return Done($"member {name} removed: every replica deletes its IKE SA, and the key leader rekeys its group where rekey_on_member_removal says so");
    }

    private static int List(EtcdMemberDirectory directory, ControllerSettings settings, bool json)
    {
        var problems = new List<string>();
        var stored = directory.ReadAll(problems);
        var rows = settings.Members.Select(m => (Member: m, Source: "config")).Concat(stored.Select(m => (Member: m, Source: "etcd")))
            .OrderBy(r => r.Member.Name, StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        if (json)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartArray();
                foreach (var (m, source) in rows)
                {
                    w.WriteStartObject();
                    w.WriteString("name", m.Name);
                    w.WriteString("identity", m.Identity);
                    w.WriteString("group", m.Group);
                    w.WriteString("auth", m.Psk is null ? "certificate" : "psk");
                    w.WriteBoolean("require_vendor_id", m.RequireVendorId);
                    w.WriteString("source", source);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            text.Append(Encoding.UTF8.GetString(buffer.WrittenSpan)).Append('\n');
        }
        else
        {
            foreach (var (m, source) in rows)
            {
                text.Append(m.Name).Append('\t').Append(m.Identity).Append('\t').Append(m.Group).Append('\t')
                    .Append(m.Psk is null ? "certificate" : "psk").Append('\t').Append(source).Append('\n');
            }
            text.Append(rows.Count).Append(" members (").Append(stored.Count).Append(" in etcd)\n");
        }
        Console.Out.Write(text.ToString());
        foreach (var p in problems)
        {
            Console.Error.WriteLine($"mpsa-controller: {p}");
        }
        return problems.Count == 0 ? 0 : ExitData;
    }

    private static int Import(EtcdMemberDirectory directory, ControllerSettings settings, string file)
    {
        string content;
        try
        {
            content = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"mpsa-controller: {file}: {e.Message}");
            return DaemonCli.ExitConfig;
        }
        var problems = new List<string>();
        var drafts = MemberImportFile.Read(file, content, problems);
        if (problems.Count > 0)
        {
            return Refuse(problems);
        }
        return Write(directory, settings, file, drafts) is { } written
            ? Done($"imported {drafts.Count} members from {file}: {drafts.Count - written.Replaced} new, {written.Replaced} replaced, in {written.Transactions} etcd transactions")
            : ExitData;
    }

    /// <summary>Checks every draft (names and identities unique in the file, in etcd and in the config file) and writes
    /// them all, or none: null after printing the problems.</summary>
    private static (int Replaced, int Transactions)? Write(EtcdMemberDirectory directory, ControllerSettings settings, string source,
        List<MemberDraft> drafts)
    {
        var problems = new List<string>();
        var stored = directory.ReadAll(problems);
        problems.Clear();   // a damaged record is `list`'s business; it is replaced if imported again
        var storedNames = stored.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var identities = new Dictionary<string, string>(StringComparer.Ordinal);
        var drafted = drafts.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var m in settings.Members.Concat(stored.Where(s => !drafted.Contains(s.Name))))
        {
            identities.TryAdd(ControllerConfigFile.IdentityKey(m.Identity), m.Name);
        }
        var configNames = settings.Members.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var members = new List<MemberConfig>(drafts.Count);
        foreach (var d in drafts)
        {
            if (d.Check(settings, out var problem) is not { } m)
            {
                problems.Add($"{d.Where}: {problem}");
                continue;
            }
            string identity = ControllerConfigFile.IdentityKey(m.Identity);
            if (!names.Add(m.Name))
            {
                problems.Add($"{d.Where}: member {m.Name} appears twice");
            }
            else if (configNames.Contains(m.Name))
            {
                problems.Add($"{d.Where}: member {m.Name} is a [member] section of the config file already");
            }
            else if (!identities.TryAdd(identity, m.Name))
            {
                problems.Add($"{d.Where}: member {m.Name}: identity {m.Identity} is already member {identities[identity]}'s");
            }
            members.Add(m);
        }
        if (problems.Count > 0)
        {
            Refuse(problems);
            return null;
        }
        int transactions = directory.Put(members);
        WarnOfShortPsks(drafts, members);
        return (members.Count(m => storedNames.ContainsKey(m.Name)), transactions);
    }

    /// <summary>Written all the same, as a short <c>psk</c> in the config file is: one line per member (the first 20).</summary>
    private static void WarnOfShortPsks(List<MemberDraft> drafts, List<MemberConfig> members)
    {
        var weak = drafts.Zip(members).Where(p => p.Second.Psk is { Length: < ProtocolConfig.ShortPskBytes }).ToList();
        foreach (var (d, m) in weak.Take(20))
        {
            Console.Error.WriteLine($"{d.Where}: member {d.Name}: psk: warning: {ProtocolConfig.ShortPskWarning(m.Psk!.Length)}");
        }
        if (weak.Count > 20)
        {
            Console.Error.WriteLine($"... and {weak.Count - 20} more members with a PSK under {ProtocolConfig.ShortPskBytes} bytes");
        }
    }

    private static int Refuse(List<string> problems)
    {
        foreach (var p in problems.Take(20))
        {
            Console.Error.WriteLine(p);
        }
        if (problems.Count > 20)
        {
            Console.Error.WriteLine($"... and {problems.Count - 20} more problems");
        }
        Console.Error.WriteLine("mpsa-controller: nothing written");
        return ExitData;
    }

    private static int Done(string message)
    {
        Console.WriteLine(message);
        return 0;
    }
}
