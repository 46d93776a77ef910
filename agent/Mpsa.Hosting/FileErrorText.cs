using System.Runtime.InteropServices;

namespace Mpsa.Hosting;

/// <summary>
/// What went wrong with a file, in words an operator reads: the errno's text ("No such file or directory"). The agent
/// is published with UseSystemResourceKeys, so the runtime's own messages for these exceptions are resource keys
/// ("IO_FileNotFound_FileName, /etc/mpsa/mpsa.conf").
/// </summary>
internal static class FileErrorText
{
    private const int ENOENT = 2, EACCES = 13, EISDIR = 21, ENAMETOOLONG = 36;

    public static string Of(Exception e, string path) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => Marshal.GetPInvokeErrorMessage(ENOENT),
        UnauthorizedAccessException when Directory.Exists(path) => Marshal.GetPInvokeErrorMessage(EISDIR),
        UnauthorizedAccessException => Marshal.GetPInvokeErrorMessage(EACCES),
        PathTooLongException => Marshal.GetPInvokeErrorMessage(ENAMETOOLONG),
        // Other errno failures come as IOException with the errno as HResult and its text as message already.
        _ => e.Message,
    };
}
