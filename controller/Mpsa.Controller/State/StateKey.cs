using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Mpsa.Hosting;

namespace Mpsa.Controller.State;

/// <summary>
/// The key-encryption key of the state file: 256 bits, written as one line of 64 hex digits in a file of its own
/// (mode 0600). Created on first start when missing, so the default needs no configuration; refused when group or
/// others may read it. Back it up together with the state file: without it the state cannot be read.
/// </summary>
internal sealed class StateKey : IDisposable
{
    public const int Length = 32;

    private readonly byte[] _key;

    private StateKey(string path, byte[] key)
    {
        Path = path;
        _key = key;
    }

    public string Path { get; }

    public ReadOnlySpan<byte> Bytes => _key;

    /// <summary>Reads the key file; throws <see cref="StateException"/> naming the file and the problem.</summary>
    public static StateKey Read(string path)
    {
        if (CheckMode(path) is { } problem)
        {
            throw new StateException(problem);
        }
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateException($"{path}: cannot read the state key: {e.Message}", e);
        }
        try
        {
            var line = content.AsSpan().Trim(" \t\r\n"u8);
            var key = new byte[Length];
            Span<char> hex = stackalloc char[2 * Length];   // no string: a string's copy of the key could not be cleared
            bool valid = line.Length == hex.Length && Encoding.ASCII.GetChars(line, hex) == hex.Length
                && Convert.FromHexString(hex, key, out _, out int written) == OperationStatus.Done && written == Length;
            hex.Clear();
            if (!valid)
            {
                Array.Clear(key);
                throw new StateException($"{path}: not a state key: expected one line of {2 * Length} hex digits (a 256-bit key)");
            }
            return new StateKey(path, key);
        }
        finally
        {
            Array.Clear(content);
        }
    }

    /// <summary>Creates the key file (mode 0600, fsynced) with a new random key; fails if it exists.</summary>
    public static StateKey Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the controller's state files need Unix file modes");
        }
        var key = RandomNumberGenerator.GetBytes(Length);
        var text = new char[(2 * Length) + 1];
        try
        {
            Convert.TryToHexStringLower(key, text, out _);
            text[^1] = '\n';
            var bytes = Encoding.ASCII.GetBytes(text);
            try
            {
                using var file = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            finally
            {
                Array.Clear(bytes);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Array.Clear(key);
            throw new StateException($"{path}: cannot create the state key: {e.Message}", e);
        }
        finally
        {
            Array.Clear(text);
        }
        return new StateKey(path, key);
    }

    /// <summary>Why the key file must not be used as it is (group or other access), or null; null for a missing file.</summary>
    public static string? CheckMode(string path) =>
        !OperatingSystem.IsWindows() && File.Exists(path) && SecretFile.AllowsGroupOrOtherAccess(path)
            ? $"the state key {path} has mode {SecretFile.FormatMode(File.GetUnixFileMode(path))}, which lets group or others read it (chmod 600)"
            : null;

    public void Dispose() => Array.Clear(_key);
}
