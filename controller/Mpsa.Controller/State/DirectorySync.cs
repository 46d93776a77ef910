using System.Runtime.InteropServices;

namespace Mpsa.Controller.State;

/// <summary>fsync(2) on a directory, so a rename in it survives a power cut (.NET cannot open a directory as a file).</summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;   // O_RDONLY

    /// <summary>Null when synced, else the error.</summary>
    public static string? Sync(string directory)
    {
        int fd = open(directory, ReadOnly);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeErrorMessage();
        }
        try
        {
            return fsync(fd) == 0 ? null : Marshal.GetLastPInvokeErrorMessage();
        }
        finally
        {
            _ = close(fd);
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport generates unsafe code; this project disallows unsafe blocks.
    [DllImport("libc", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true, SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true, SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true, SetLastError = true)]
    private static extern int close(int fd);
#pragma warning restore SYSLIB1054
}
