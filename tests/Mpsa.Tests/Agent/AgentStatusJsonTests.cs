using System.Text.Json;
using Mpsa.Agent;
using Mpsa.Agent.GroupSa;
using NUnit.Framework;

namespace Mpsa.Tests.Agent;

/// <summary>`status --json` keeps the document the serializer used to write: keys, order, nulls, indentation.</summary>
public class AgentStatusJsonTests
{
    [Test]
    public void WritesEveryFieldInOrderWithTwoSpaceIndentation()
    {
        var status = new AgentStatus(
            new ControllerStatus("connected", "192.0.2.1:500", "ctl.example", null) { Addresses = ["192.0.2.1:500", "192.0.2.2:500"] },
            new IkeSaStatus("0011223344556677", "8899aabbccddeeff", "chacha20poly1305-prfsha256-x25519", "abcd", true)
            {
                EstablishedSecondsAgo = 12,
                RekeyInSeconds = 3400,
                KeyExchange = "x25519",
            },
            null,
            [new GroupSaStatus("c0ffee01", "active", 590, "chacha20poly1305", "0123456789abcdef")])
        {
            Uplink = new UplinkStatus("192.0.2.11", "198.51.100.11", null) { PreviousLocalAddress = "192.0.2.10", ChangedSecondsAgo = 42 },
            Memory = new MemoryStatus(4096, 2048, 1024, 512, 8192, 3),
        };

        string expected = """
            {
              "controller": {
                "state": "connected",
                "address": "192.0.2.1:500",
                "identity": "ctl.example",
                "retry_in_seconds": null,
                "addresses": [
                  "192.0.2.1:500",
                  "192.0.2.2:500"
                ]
              },
              "uplink": {
                "local_address": "192.0.2.11",
                "underlay_address": "198.51.100.11",
                "missing": null,
                "previous_local_address": "192.0.2.10",
                "changed_seconds_ago": 42
              },
              "ike_sa": {
                "spi_i": "0011223344556677",
                "spi_r": "8899aabbccddeeff",
                "suite": "chacha20poly1305-prfsha256-x25519",
                "key_exchange": "x25519",
                "key_fingerprint": "abcd",
                "peer_supports_mpsa": true,
                "childless": false,
                "established_seconds_ago": 12,
                "rekey_in_seconds": 3400
              },
              "child_sa": null,
              "group_sas": [
                {
                  "spi": "c0ffee01",
                  "state": "active",
                  "seconds_left": 590,
                  "suite": "chacha20poly1305",
                  "fingerprint": "0123456789abcdef"
                }
              ],
              "last_refusal": null,
              "memory": {
                "rss_bytes": 4096,
                "gc_heap_bytes": 2048,
                "allocated_bytes": 1024,
                "gc_fragmented_bytes": 512,
                "gc_committed_bytes": 8192,
                "gc_collections": 3
              }
            }
            """;
        Assert.That(AgentStatusJson.Write(status).ReplaceLineEndings("\n"), Is.EqualTo(expected.ReplaceLineEndings("\n")));
    }

    [Test]
    public void EscapesTextAndParsesBack()
    {
        var status = new AgentStatus(new ControllerStatus("retrying", "[2001:db8::1]:500", null, 4), null,
            new ChildSaStatus("aa", "bb", "aes256-sha256", "tunnel", false) { UdpEncapsulation = true }, [])
        {
            LastRefusal = new RefusalStatus("c0ffee02", "NO_PROPOSAL_CHOSEN", "suite \"x\" <not> usable", 7),
        };
        using var doc = JsonDocument.Parse(AgentStatusJson.Write(status));
        var root = doc.RootElement;
        Assert.That(root.GetProperty("controller").GetProperty("identity").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(root.GetProperty("controller").GetProperty("retry_in_seconds").GetInt64(), Is.EqualTo(4));
        Assert.That(root.GetProperty("controller").GetProperty("addresses").EnumerateArray().Select(a => a.GetString()), Is.EqualTo(new[] { "[2001:db8::1]:500" }),
            "one address: the list holds it");
        Assert.That(root.GetProperty("child_sa").GetProperty("installed").GetBoolean(), Is.False);
        Assert.That(root.GetProperty("child_sa").GetProperty("udp_encapsulation").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("group_sas").GetArrayLength(), Is.Zero);
        Assert.That(root.GetProperty("last_refusal").GetProperty("reason").GetString(), Is.EqualTo("suite \"x\" <not> usable"));
        Assert.That(root.GetProperty("memory").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }
}
