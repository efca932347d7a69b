// Paths of the repository's fixtures and bundled data, and temporary directories for tests.
namespace FlowGen.Training.Tests;

internal static class Fixtures
{
    public static readonly string RepoRoot = FindRoot();

    public static string GlowRef(string name) => Path.Combine(RepoRoot, "Tests", "Fixtures", "glow_ref", name);

    public static string Data(string name) => Path.Combine(RepoRoot, "data", name);

    /// <summary>The reference's held-out crop positions (row, col of the top-left pixel).</summary>
    public static (int Row, int Col)[] ReferenceTestPositions() =>
        File.ReadLines(GlowRef("test_crops_rowcol.csv")).Where(l => !l.StartsWith('#'))
            .Select(l => l.Split(',')).Select(p => (int.Parse(p[0]), int.Parse(p[1]))).ToArray();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowGen.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowGen.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary directory deleted after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "flowgen-training-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { }
    }
}
