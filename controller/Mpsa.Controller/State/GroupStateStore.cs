using Mpsa.Ike.Exchanges;

namespace Mpsa.Controller.State;

/// <summary>
/// The standalone controller's state directory (default /var/lib/mpsa): <c>controller.state</c>, the groups' key
/// state sealed under the state key (<see cref="StateEnvelope"/>), replaced atomically (write, fsync, rename, fsync
/// of the directory) on every change; <c>controller.lock</c>, held while the controller runs so that a second one
/// cannot share the directory. A state file that cannot be read stops the start: only <c>--reset-state</c> discards it.
/// </summary>
internal sealed class GroupStateStore : IGroupStateStore, IDisposable
{
    public const string DefaultDirectory = "/var/lib/mpsa";
    public const string FileName = "controller.state";
    public const string KeyFileName = "state.key";
    private const string LockName = "controller.lock";
    private const string ResetSuffix = ".reset";

    private readonly FileStream _lock;
    private readonly StateKey _key;
    private readonly Func<long> _wallClockMs;

    private GroupStateStore(string directory, FileStream lockFile, StateKey key, Func<long> wallClockMs)
    {
        Directory = directory;
        _lock = lockFile;
        _key = key;
        _wallClockMs = wallClockMs;
    }

    public string Directory { get; }

    public string FilePath => Path.Combine(Directory, FileName);

    public IReadOnlyDictionary<string, StoredGroup> Restored { get; private set; } = new Dictionary<string, StoredGroup>();

    /// <summary>True when this start made the state key (first start, or after <c>--reset-state</c>).</summary>
    public bool KeyCreated { get; private set; }

    /// <summary>Where <c>--reset-state</c> moved the old state file, if there was one.</summary>
    public string? ResetTo { get; private set; }

    public static string DefaultKeyPath(string directory) => Path.Combine(directory, KeyFileName);

    /// <summary>Opens (or creates) the directory, takes its lock, reads or creates the key and reads the state;
    /// throws <see cref="StateException"/> with the file and the problem.</summary>
    public static GroupStateStore Open(string directory, string keyPath, bool reset, MonoTime now, Func<long>? wallClockMs = null)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the controller's state files need Unix file modes");
        }
        wallClockMs ??= static () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        try
        {
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateException($"{directory}: cannot create the state directory: {e.Message}", e);
        }
        var lockFile = TakeLock(directory);
        try
        {
            string statePath = Path.Combine(directory, FileName);
            string? resetTo = null;
            if (reset && File.Exists(statePath))
            {
                resetTo = statePath + ResetSuffix;
                File.Move(statePath, resetTo, overwrite: true);
            }
            bool created = !File.Exists(keyPath);
            if (created && File.Exists(statePath))
            {
                throw new StateException($"{statePath}: there is a state file but no state key ({keyPath}): restore the key file, "
                    + "or start once with --reset-state to begin with new group SAs (every member rekeys)");
            }
            var key = created ? StateKey.Create(keyPath) : StateKey.Read(keyPath);
            var store = new GroupStateStore(directory, lockFile, key, wallClockMs) { KeyCreated = created, ResetTo = resetTo };
            try
            {
                store.Restored = store.ReadState(now);
                return store;
            }
            catch
            {
                store.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lockFile.Dispose();
            throw new StateException($"{directory}: {e.Message}", e);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    public void Save(IReadOnlyList<StoredGroup> groups, MonoTime now)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the controller's state files need Unix file modes");
        }
        long wall = _wallClockMs();
        var document = StateDocument.Write(groups, wall - now.Milliseconds, wall);
        byte[] sealedBytes;
        try
        {
            sealedBytes = StateEnvelope.Seal(document.WrittenSpan, _key);
        }
        finally
        {
            document.Clear();
        }
        string temporary = FilePath + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                file.Write(sealedBytes);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, FilePath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateException($"{FilePath}: cannot write the state: {e.Message}", e);
        }
        if (DirectorySync.Sync(Directory) is { } error)
        {
            throw new StateException($"{Directory}: cannot fsync the state directory after the rename: {error}");
        }
    }

    private Dictionary<string, StoredGroup> ReadState(MonoTime now)
    {
        if (!File.Exists(FilePath))
        {
            return new Dictionary<string, StoredGroup>(StringComparer.Ordinal);
        }
        byte[] file = File.ReadAllBytes(FilePath);
        byte[] document = StateEnvelope.Open(file, _key, FilePath);
        try
        {
            return StateDocument.Read(document, _wallClockMs() - now.Milliseconds, FilePath);
        }
        finally
        {
            Array.Clear(document);
        }
    }

    private static FileStream TakeLock(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the controller's state files need Unix file modes");
        }
        string path = Path.Combine(directory, LockName);
        try
        {
            // FileShare.None takes an exclusive flock(2) on Linux: a second controller fails here, a dead one holds nothing.
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException e)
        {
            throw new StateException($"{directory}: the state directory is in use by another mpsa-controller (it holds {path}): "
                + "two controllers must not share one", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StateException($"{path}: cannot open the lock file: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        foreach (var g in Restored.Values)
        {
            g.Dispose();
        }
        _key.Dispose();
        _lock.Dispose();
    }
}
