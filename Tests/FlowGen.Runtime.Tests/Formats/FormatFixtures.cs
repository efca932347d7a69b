// Locates the committed format fixtures (Tests/Fixtures/formats) and the bundled data folder, and
// gives each test a scratch directory that is deleted afterwards.
namespace FlowGen.Runtime.Tests.Formats;

internal static class FormatFixtures
{
    public static readonly string RepoRoot = FindRoot();

    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([RepoRoot, "Tests", "Fixtures", "formats", .. parts]);

    public static string Data(string name) => System.IO.Path.Combine(RepoRoot, "data", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "FlowGen.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowGen.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary directory for one test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "flowgen-formats-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string File(string name) => System.IO.Path.Combine(Root, name);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
