// `flowgen bench-stream` and `flowgen seams` on the reference Glow fixture, through the real executable: the
// numbers they report are consistent with the world's geometry and with each other, bad input is one line.
using System.Text.Json;
using FlowGen.Runtime.Formats;

namespace FlowGen.Cli.Tests.Commands;

public class StreamingCommandsTests
{
    private static readonly string Model = FlowgenProcess.Fixture("glow_ref_sample.onnx");

    [Fact]
    public void BenchStreamTimesColdChunksAgainstTheFlowAlone()
    {
        var (code, stdout, stderr) = FlowgenProcess.Run("bench-stream", Model, "--chunk", "64", "--chunks", "3", "--levels", "1", "--json");
        Assert.True(code == 0, stderr);
        var r = JsonDocument.Parse(stdout).RootElement;
        // A 64-pixel chunk on the half-overlapping lattice of 32-pixel patches (stride 16) touches 5 x 5 patches.
        Assert.Equal(25, r.GetProperty("PatchesPerChunk").GetInt32());
        var multi = FlowgenProcess.Run("bench-stream", Model, "--chunk", "64", "--chunks", "3", "--json");
        Assert.True(multi.Code == 0, multi.Err);
        Assert.InRange(JsonDocument.Parse(multi.Out).RootElement.GetProperty("PatchesPerChunk").GetInt32(), 26, 25 + 4 * 16); // + the coarse levels' few
        double median = r.GetProperty("MedianMs").GetDouble(), flow = r.GetProperty("FlowOnlyMedianMs").GetDouble();
        Assert.True(median > 0 && flow > 0, stdout);
        Assert.Equal(median / flow, r.GetProperty("RatioVsFlowOnly").GetDouble(), 6);
        Assert.True(r.GetProperty("CachedMedianMs").GetDouble() < median, "a cached chunk must come back faster than a generated one");
    }

    [Fact]
    public void BenchStreamAndSeamsMeasureTheTrainedScalesWorld()
    {
        // terrain-coarse (16-px patches of 334 m) under terrain-detail (32-px patches of 83.5 m, stride 28): a 64-px chunk
        // touches 4 or 3 columns of 4 rows of detail patches (the first chunk columns -1..2, the second 2..4, column 2 then
        // coming from the detail patch cache): 16 and 8 drawn, 12 a chunk on average; their context comes from a few coarse patches.
        var (code, stdout, stderr) = FlowgenProcess.Run("bench-stream", "terrain-coarse", "--detail", "terrain-detail", "--chunk", "64", "--chunks", "2", "--json");
        Assert.True(code == 0, stderr);
        var r = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(12, r.GetProperty("DetailPatchesPerChunk").GetInt32());
        Assert.InRange(r.GetProperty("PatchesPerChunk").GetInt32(), 4, 80); // the coarse lattice and its pyramid's few
        (code, stdout, stderr) = FlowgenProcess.Run("seams", "terrain-coarse", "--detail", "terrain-detail", "--size", "256", "--json");
        Assert.True(code == 0, stderr);
        var seams = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(28, seams.GetProperty("stride").GetInt32()); // the detail lattice: 32-px patches overlapping by an eighth
        Assert.Equal(4, seams.GetProperty("overlap").GetInt32());
        Assert.Equal(28, seams.GetProperty("generated").GetProperty("phase_profile").GetProperty("gradient").GetArrayLength());
        Assert.Equal(0, seams.GetProperty("phase").GetInt32()); // terrain-detail records no phase: its lattice on the coarse grid
        var grid = seams.GetProperty("coarse_grid");
        Assert.Equal(4, grid.GetProperty("period").GetInt32());
        Assert.Equal(4, grid.GetProperty("generated").GetProperty("laplacian").GetArrayLength());
        Assert.InRange(grid.GetProperty("real_floor").GetProperty("laplacian_spread").GetDouble(), 1.0, 1.05); // real terrain knows no coarse grid
        double matched = seams.GetProperty("generated").GetProperty("laplacian").GetProperty("GridMatchedRatio").GetDouble();
        Assert.True(matched > 0.5 && matched < 2, $"grid-matched |Laplacian| ratio {matched}");
        // The fast world's detail model records phase 2 (measured best for it): its lattice half a coarse pixel off the grid.
        (code, stdout, stderr) = FlowgenProcess.Run("seams", "terrain-coarse-fast", "--size", "256", "--json");
        Assert.True(code == 0, stderr);
        var fast = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(2, fast.GetProperty("phase").GetInt32());
        Assert.Equal(1, fast.GetProperty("real_dem_block").GetInt32());
        Assert.Equal(32, fast.GetProperty("bins_total").GetInt32()); // 64-px rows
        // The coarse model's own world (334 m pixels) is compared with the DEM's 4x4 block means: 86x100 pixels, whose 20
        // held-out columns take 16-px rows (the full-resolution DEM, before, made its floor and spectra at the wrong scale).
        (code, stdout, stderr) = FlowgenProcess.Run("seams", "terrain-coarse-fast", "--detail", "none", "--size", "256", "--json");
        Assert.True(code == 0, stderr);
        var coarse = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(4, coarse.GetProperty("real_dem_block").GetInt32());
        Assert.Equal(8, coarse.GetProperty("bins_total").GetInt32());
        Assert.Equal(4 * 83.524, coarse.GetProperty("pixel_size_m").GetDouble(), 0.5);
        Assert.False(coarse.GetProperty("real_patches").GetBoolean());
        // --real-patches: the same world with the DEM's own block-mean windows for the coarse model's patches (the control).
        (code, stdout, stderr) = FlowgenProcess.Run("seams", "terrain-coarse-fast", "--detail", "none", "--size", "256", "--real-patches", "--json");
        Assert.True(code == 0, stderr);
        var control = JsonDocument.Parse(stdout).RootElement;
        Assert.True(control.GetProperty("real_patches").GetBoolean());
        Assert.NotEqual(Power(coarse), Power(control));

        static double[] Power(JsonElement root) => root.GetProperty("crop_spectrum").EnumerateArray().Select(b => b.GetProperty("Generated").GetDouble()).ToArray();
    }

    [Fact]
    public void TheFastCoarseModelComesWithTheFastDetailModel()
    {
        // --detail auto pairs terrain-coarse-fast with terrain-detail-fast: the same lattices as the default world (12 detail
        // patches a 64-px chunk), narrower models; `world` names the pair it drew.
        var (code, stdout, stderr) = FlowgenProcess.Run("bench-stream", "terrain-coarse-fast", "--chunk", "64", "--chunks", "2", "--json");
        Assert.True(code == 0, stderr);
        var r = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(12, r.GetProperty("DetailPatchesPerChunk").GetInt32());
        string out1 = Path.Combine(FlowgenProcess.TempDir(), "fast.npy");
        (code, stdout, stderr) = FlowgenProcess.Run("world", "terrain-coarse-fast", "--size", "64x48", "--out", out1);
        Assert.True(code == 0, stderr);
        Assert.Contains("terrain-coarse-fast under terrain-detail-fast", stdout);
        var fast = NpyCodec.Read(out1).ToSingleArray();
        string out2 = Path.Combine(FlowgenProcess.TempDir(), "default.npy");
        (code, _, stderr) = FlowgenProcess.Run("world", "--size", "64x48", "--out", out2);
        Assert.True(code == 0, stderr);
        Assert.NotEqual(fast, NpyCodec.Read(out2).ToSingleArray()); // another pair of models, another world

        // --against: both worlds timed alternately in one run, the ratio of their medians.
        (code, stdout, stderr) = FlowgenProcess.Run("bench-stream", "terrain-coarse-fast", "--against", "terrain-coarse", "--chunk", "64", "--chunks", "3", "--json");
        Assert.True(code == 0, stderr);
        var c = JsonDocument.Parse(stdout).RootElement;
        double mine = c.GetProperty("MedianMs").GetDouble(), theirs = c.GetProperty("AgainstMedianMs").GetDouble();
        Assert.True(mine > 0 && theirs > 0);
        Assert.Equal(mine / theirs, c.GetProperty("Ratio").GetDouble(), 9);
        Assert.Equal("terrain-coarse", c.GetProperty("Against").GetString());
        (code, _, stderr) = FlowgenProcess.Run("bench-stream", "terrain-coarse-fast", "--against", "grass", "--chunk", "64", "--chunks", "1");
        Assert.Equal(2, code);
        Assert.Contains("heightmap", stderr);
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
        var columns = r.GetProperty("column_spectrum").EnumerateArray().ToArray();
        Assert.Equal(32, columns.Length);
        // The bundled DEM has a grain: along its rows it has less short-wavelength relief than along its columns.
        Assert.True(columns[^1].GetProperty("Train").GetDouble() > 1.5 * r.GetProperty("spectrum")[31].GetProperty("Train").GetDouble());
        // Large scales: 256² crops of the multi-scale world against the real DEM's; the coarse levels bring the longest
        // wavelengths to the real power's order of magnitude, where a single-level world is orders below it.
        Assert.Equal(5, r.GetProperty("levels").GetInt32());
        var crops = r.GetProperty("crop_spectrum").EnumerateArray().ToArray();
        Assert.Equal(12, crops.Length);
        // Two references: the training crops' range, and the whole DEM's (its train-vs-test spread), which holds it.
        foreach (var bin in crops)
        {
            Assert.True(bin.GetProperty("DemMin").GetDouble() <= bin.GetProperty("RealMin").GetDouble());
            Assert.True(bin.GetProperty("DemMax").GetDouble() >= bin.GetProperty("RealMax").GetDouble());
        }
        Assert.True(r.GetProperty("crop_bins_within_dem_spread").GetInt32() >= r.GetProperty("crop_bins_within_range").GetInt32());
        // The held-out columns are smoother: somewhere the whole DEM's range reaches below the training crops' at least 2x.
        Assert.Contains(crops, bin => bin.GetProperty("DemMin").GetDouble() < 0.5 * bin.GetProperty("RealMin").GetDouble());
        double Lowest(JsonElement root) => root.GetProperty("crop_spectrum")[0].GetProperty("Generated").GetDouble() / root.GetProperty("crop_spectrum")[0].GetProperty("Real").GetDouble();
        var flat = FlowgenProcess.Run("seams", Model, "--size", "768", "--levels", "1", "--json");
        Assert.True(flat.Code == 0, flat.Err);
        double pyramid = Lowest(r), single = Lowest(JsonDocument.Parse(flat.Out).RootElement);
        Assert.True(pyramid > 30 * single && pyramid > 0.1, $"lowest-frequency power vs real: {pyramid} with 5 levels, {single} with 1");
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
