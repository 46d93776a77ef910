using System.Buffers;
using System.Text.Json;
using Mpsa.Ike.Crypto;
using Mpsa.Ike.Exchanges;
using Mpsa.Ike.Wire;

namespace Mpsa.Controller.State;

/// <summary>
/// The state file's document (JSON, sealed by <see cref="StateEnvelope"/>): each group's SAs with their times as Unix
/// milliseconds, so they survive a reboot, which the monotonic clock does not. <c>offset</c> turns one into the other:
/// wall-clock ms = monotonic ms + offset, taken when the document is written or read.
/// </summary>
internal static class StateDocument
{
    public const int Version = 1;

    /// <summary>The JSON bytes; the caller clears the buffer (it holds SK_d) with <see cref="ArrayBufferWriter{T}.Clear"/>.</summary>
    public static ArrayBufferWriter<byte> Write(IReadOnlyList<StoredGroup> groups, long offset, long writtenAt)
    {
        var buffer = new ArrayBufferWriter<byte>(4096 + (groups.Count * 16384));
        using var json = new Utf8JsonWriter(buffer);
        json.WriteStartObject();
        json.WriteNumber("version", Version);
        json.WriteNumber("written", writtenAt);
        json.WriteStartArray("groups");
        foreach (var g in groups)
        {
            json.WriteStartObject();
            json.WriteString("name", g.Name);
            WriteSa(json, "current", g.Current, offset);
            if (g.Next is not null)
            {
                WriteSa(json, "next", g.Next, offset);
            }
            if (g.RolloverStartedAt is { } started)
            {
                json.WriteNumber("rollover_started", started.Milliseconds + offset);
            }
            json.WriteStartArray("used_spis");
            foreach (var spi in g.UsedSpis)
            {
                json.WriteNumberValue(spi.Value);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        return buffer;
    }

    /// <summary>The groups in <paramref name="document"/>, by name; throws <see cref="StateException"/> naming <paramref name="path"/>.</summary>
    public static Dictionary<string, StoredGroup> Read(ReadOnlyMemory<byte> document, long offset, string path)
    {
        var groups = new Dictionary<string, StoredGroup>(StringComparer.Ordinal);
        try
        {
            using var json = JsonDocument.Parse(document);
            var root = json.RootElement;
            int version = root.GetProperty("version").GetInt32();
            if (version != Version)
            {
                throw new StateException($"{path}: state version {version}, this controller reads version {Version}" + StateException.ResetHint);
            }
            foreach (var g in root.GetProperty("groups").EnumerateArray())
            {
                var current = ReadSa(g.GetProperty("current"), offset);
                var next = g.TryGetProperty("next", out var n) ? ReadSa(n, offset) : null;
                MonoTime? started = g.TryGetProperty("rollover_started", out var s) ? new MonoTime(s.GetInt64() - offset) : null;
                var used = new List<EspSpi>();
                foreach (var spi in g.GetProperty("used_spis").EnumerateArray())
                {
                    used.Add(new EspSpi(spi.GetUInt32()));
                }
                string name = g.GetProperty("name").GetString() ?? throw new FormatException("a group without a name");
                groups[name] = new StoredGroup(name, current, next, started, used);
            }
            return groups;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            foreach (var g in groups.Values)
            {
                g.Dispose();
            }
            throw new StateException($"{path}: unreadable state document: {e.Message}" + StateException.ResetHint, e);
        }
    }

    private static void WriteSa(Utf8JsonWriter json, string name, StoredSa sa, long offset)
    {
        json.WriteStartObject(name);
        json.WriteNumber("spi", sa.Spi.Value);
        json.WriteNumber("encr", (int)sa.Esp.Encr);
        json.WriteNumber("key_bits", sa.Esp.EncrKeyBits);
        json.WriteNumber("integ", (int)sa.Esp.Integ);
        json.WriteNumber("prf", (int)sa.Prf);
        json.WriteBase64String("nonce", sa.Nonce);
        json.WriteBase64String("sk_d", sa.SkD.Span);
        json.WriteNumber("created", sa.CreatedAt.Milliseconds + offset);
        json.WriteNumber("expires", sa.ExpiresAt.Milliseconds + offset);
        json.WriteEndObject();
    }

    private static StoredSa ReadSa(JsonElement sa, long offset)
    {
        var esp = new EspSuite((EncrId)sa.GetProperty("encr").GetInt32(), sa.GetProperty("key_bits").GetInt32(), (IntegId)sa.GetProperty("integ").GetInt32());
        byte[] skD = sa.GetProperty("sk_d").GetBytesFromBase64();
        try
        {
            return new StoredSa(new EspSpi(sa.GetProperty("spi").GetUInt32()), esp, (PrfId)sa.GetProperty("prf").GetInt32(),
                sa.GetProperty("nonce").GetBytesFromBase64(), SecretBytes.CopyFrom(skD),
                new MonoTime(sa.GetProperty("created").GetInt64() - offset), new MonoTime(sa.GetProperty("expires").GetInt64() - offset));
        }
        finally
        {
            Array.Clear(skD);
        }
    }
}
