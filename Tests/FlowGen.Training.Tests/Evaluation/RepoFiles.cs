// Locates files of the repository (bundled data, fixtures) from the test's working directory.
namespace FlowGen.Training.Tests.Evaluation;

internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Dem => Path("data", "jacksboro_fault_dem.npz");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "FlowGen.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (FlowGen.sln) not found above " + AppContext.BaseDirectory);
    }
}
