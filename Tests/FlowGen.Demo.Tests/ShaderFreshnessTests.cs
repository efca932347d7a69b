// The committed SPIR-V must be what glslc makes of the committed GLSL: recompile each shader (when glslc is
// installed) and compare bytes. A stale .spv fails with the command that refreshes it.
using System.Diagnostics;

namespace FlowGen.Demo.Tests;

public sealed class GlslcFactAttribute : FactAttribute
{
    public GlslcFactAttribute()
    {
        if (TestEnvironment.OnPath("glslc") is null) Skip = "glslc not installed (Debian: glslc)";
    }
}

public class ShaderFreshnessTests
{
    [GlslcFact]
    public void CommittedSpirvMatchesTheGlslSources()
    {
        string shaders = Path.Combine(TestEnvironment.RepoRoot, "Shaders");
        var sources = Directory.GetFiles(shaders).Where(f => f.EndsWith(".vert") || f.EndsWith(".frag") || f.EndsWith(".comp")).ToList();
        Assert.NotEmpty(sources);
        string temp = Directory.CreateTempSubdirectory("flowgen-spv-").FullName;
        try
        {
            foreach (string source in sources)
            {
                string committed = source + ".spv", fresh = Path.Combine(temp, Path.GetFileName(committed));
                Assert.True(File.Exists(committed), $"{committed} is missing: run Shaders/compile.sh");
                var psi = new ProcessStartInfo(TestEnvironment.OnPath("glslc")!) { RedirectStandardError = true };
                foreach (string a in new[] { "-O", source, "-o", fresh }) psi.ArgumentList.Add(a);
                using var p = Process.Start(psi)!;
                string err = p.StandardError.ReadToEnd();
                Assert.True(p.WaitForExit(60_000) && p.ExitCode == 0, $"glslc failed on {source}: {err}");
                Assert.True(File.ReadAllBytes(fresh).AsSpan().SequenceEqual(File.ReadAllBytes(committed)),
                    $"{committed} is stale: run Shaders/compile.sh and commit the result");
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }
}
