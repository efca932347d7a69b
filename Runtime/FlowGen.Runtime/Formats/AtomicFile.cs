// Writers never leave a partial file: they write a temporary file beside the target and rename it
// over the target only once everything was written and flushed.
namespace FlowGen.Runtime.Formats;

/// <summary>A temporary output stream that replaces <c>path</c> on <see cref="Commit"/>, or vanishes on Dispose.</summary>
internal sealed class AtomicFile : IDisposable
{
    private readonly string _path;
    private readonly string _temp;
    private bool _committed;

    public AtomicFile(string path)
    {
        _path = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(_path)!;
        _temp = Path.Combine(dir, $".{Path.GetFileName(_path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
    }

    public FileStream Stream { get; }

    /// <summary>Flushes to disk and renames the temporary file over the target.</summary>
    public void Commit()
    {
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        File.Move(_temp, _path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        Stream.Dispose();
        try { File.Delete(_temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Writes the whole file through <paramref name="write"/>, atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        using var file = new AtomicFile(path);
        write(file.Stream);
        file.Commit();
    }
}
