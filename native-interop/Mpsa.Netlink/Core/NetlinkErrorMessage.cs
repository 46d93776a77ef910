using System.Runtime.InteropServices;
using System.Text;

namespace Mpsa.Netlink.Core;

/// <summary>What an NLMSG_ERROR says: the request's errno (0 for an ACK) and the kernel's extended-ack text.</summary>
internal static class NetlinkErrorMessage
{
    /// <summary>The errno of an NLMSG_ERROR payload (0 for an ACK) and the extended-ack message when present.</summary>
    public static (int Errno, string? ExtAck) Read(NetlinkMessage message)
    {
        if (message.Payload.Length < sizeof(int))
        {
            throw new NetlinkParseException($"NLMSG_ERROR of {message.Payload.Length} bytes, shorter than its error code");
        }
        int error = MemoryMarshal.Read<int>(message.Payload);
        string? extAck = null;
        if ((message.Flags & NlmFlags.NLM_F_ACK_TLVS) != 0 && message.Payload.Length >= nlmsgerr.Size)
        {
            var echoed = MemoryMarshal.Read<nlmsgerr>(message.Payload).msg;
            int offset = nlmsgerr.Size;
            if ((message.Flags & NlmFlags.NLM_F_CAPPED) == 0 && echoed.nlmsg_len > nlmsghdr.Size)
            {
                offset += NetlinkMessageBuilder.Align((int)echoed.nlmsg_len - nlmsghdr.Size);
            }
            if (offset < message.Payload.Length)
            {
                foreach (var tlv in new NetlinkAttributeReader(message.Payload[offset..]))
                {
                    if (tlv.Type == NlmsgType.NLMSGERR_ATTR_MSG)
                    {
                        extAck = Encoding.UTF8.GetString(tlv.Value.TrimEnd((byte)0));
                    }
                }
            }
        }
        return (-error, extAck);
    }
}
