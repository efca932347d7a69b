// `flowgen bench-stream` and `flowgen seams` on the reference Glow fixture, through the real executable: the
// numbers they report are consistent with the world's geometry and with each other, bad input is one line.
using System.Text.Json;

namespace FlowGen.Cli.Tests.Commands;

public class StreamingCommandsTests
{
    private static readonly string Model = FlowgenProcess.Fixture("glow_ref_sample.onnx");

    [Fact]
    public void BenchStreamTimesColdChunksAgainstTheFlowAlone()
    {
        var (code, stdout, stderr) = FlowgenProcess.Run("bench-stream", Model, "--chunk", "64", "--chunks", "3", "--json");
        Assert.True(code == 0, stderr);
        var r = JsonDocument.Parse(stdout).RootElement;
        // A 64-pixel chunk on the half-overlapping lattice of 32-pixel patches (stride 16) touches 5 x 5 patches.
        Assert.Equal(25, r.GetProperty("PatchesPerChunk").GetInt32());
        double median = r.GetProperty("MedianMs").GetDouble(), flow = r.GetProperty("FlowOnlyMedianMs").GetDouble();
        Assert.True(median > 0 && flow > 0, stdout);
        Assert.Equal(median / flow, r.GetProperty("RatioVsFlowOnly").GetDouble(), 6);
        Assert.True(r.GetProperty("CachedMedianMs").GetDouble() < median, "a cached chunk must come back faster than a generated one");
    }

    [Fact]
    public void SeamsReportsBorderAndInteriorStatisticsAndTheRealFloor()
    {
        var (code, stdout, stderr) = FlowgenProcess.Run("seams", Model, "--size", "768", "--json");
        Assert.True(code == 0, stderr);
        var r = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(16, r.GetProperty("stride").GetInt32());
        foreach (var side in new[] { "generated", "real_floor" })
        {
            var g = r.GetProperty(side).GetProperty("gradient");
            double ratio = g.GetProperty("Ratio").GetDouble();
            Assert.Equal(g.GetProperty("BorderMean").GetDouble() / g.GetProperty("InteriorMean").GetDouble(), ratio, 9);
            Assert.InRange(ratio, 0.5, 2); // blended patches: no cliffs on the lattice lines
        }
        // Issue 7's target: slopes and curvature on patch borders within 5 % of interiors (a sin² blend window gave 0.90).
        foreach (var measure in new[] { "gradient", "laplacian" })
            Assert.InRange(r.GetProperty("generated").GetProperty(measure).GetProperty("Ratio").GetDouble(), 0.95, 1.05);
        Assert.Equal(32, r.GetProperty("bins_total").GetInt32());
    }

    [Fact]
    public void BadInputIsOneLine()
    {
        var texture = Path.Combine(FlowgenProcess.TempDir(), "missing.npz");
        foreach (var args in new[]
        {
            new[] { "bench-stream", Model, "--chunk", "0" },
            new[] { "bench-stream", Model, "--chunks", "-1" },
            new[] { "seams", Model, "--size", "100000" },
            new[] { "seams", Model, "--data", texture },
        })
        {
            var (code, _, stderr) = FlowgenProcess.Run(args);
            Assert.True(code == 2, $"flowgen {string.Join(' ', args)} exited {code}: {stderr}");
            Assert.StartsWith("flowgen: error: ", stderr);
        }
    }
}
