using System.Security.Cryptography;
using System.Text;

namespace TimeBank.Hosting;

/// <summary>
/// Ids that follow from a name (RFC 9562 version 8, SHA-256): the same name always gives the same id, so a second write
/// under it finds the first (a record, a grant, a rating, a flag) on any node.
/// </summary>
public static class NameBasedIds
{
    public static Guid For(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
