using System.Text.Json;
using System.Text.Json.Serialization;
using Mpsa.Controller.Members;
using Mpsa.Controller.State;
using Mpsa.Ike.Crypto;

namespace Mpsa.Controller.Cluster;

/// <summary>A member as etcd holds it (<c>PREFIX/members/NAME</c>): identity and group in clear, so `etcdctl get` shows
/// who is a member; the PSK sealed under the state key and bound to the name (null: it authenticates by certificate).</summary>
internal sealed record MemberRecord(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("identity")] string Identity,
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("sealed_psk")] byte[]? SealedPsk,
    [property: JsonPropertyName("require_vendor_id")] bool RequireVendorId)
{
    public static byte[] Write(MemberConfig member, StateKey key) => JsonSerializer.SerializeToUtf8Bytes(
        new MemberRecord(member.Name, member.Identity, member.Group,
            member.Psk is { } psk ? SealedValue.Seal(psk.Span, key, Context(member.Name)) : null, member.RequireVendorId),
        MemberRecordJson.Default.MemberRecord);

    /// <summary>The member in <paramref name="value"/> (its PSK opened); throws <see cref="StateException"/> naming <paramref name="where"/>.</summary>
    public static MemberConfig Read(ReadOnlySpan<byte> value, StateKey key, string where)
    {
        MemberRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(value, MemberRecordJson.Default.MemberRecord);
        }
        catch (JsonException e)
        {
            throw new StateException($"{where}: not a member record ({e.Message})", e);
        }
        if (record is null || string.IsNullOrEmpty(record.Name) || string.IsNullOrEmpty(record.Identity) || string.IsNullOrEmpty(record.Group))
        {
            throw new StateException($"{where}: not a member record (name, identity or group missing)");
        }
        SecretBytes? psk = null;
        if (record.SealedPsk is { } sealedPsk)
        {
            byte[] plain = SealedValue.Open(sealedPsk, key, Context(record.Name), where);
            try
            {
                psk = SecretBytes.CopyFrom(plain);
            }
            finally
            {
                Array.Clear(plain);
            }
        }
        return new MemberConfig(record.Name, record.Identity, psk, record.Group, record.RequireVendorId);
    }

    private static string Context(string name) => "member " + name;
}

[JsonSerializable(typeof(MemberRecord))]
internal sealed partial class MemberRecordJson : JsonSerializerContext;
