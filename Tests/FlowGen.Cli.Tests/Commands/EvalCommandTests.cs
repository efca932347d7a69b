// `flowgen eval` through the real executable: the typed one-line errors for a model and data that do not
// fit together, and a small baseline-only run that writes its HTML report atomically.
using FlowGen.Runtime.Formats;

namespace FlowGen.Cli.Tests.Commands;

public class EvalCommandTests
{
    private static readonly string Model = FlowgenProcess.Fixture("glow_ref_sample.onnx");
    private static string Data(string name) => Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Model)))!, "..", "data", name);

    [Fact]
    public void WorldPatchesAreMeasuredLikeTheModelsOwn()
    {
        var (code, stdout, stderr) = FlowgenProcess.Run("eval", "terrain-coarse", "--detail", "terrain-detail", "--data", Data("jacksboro_fault_dem.npz"), "--world", "--count", "64", "--levels", "3");
        Assert.True(code == 0, stderr);
        Assert.Contains("world (terrain", stdout); // the tables wrap the rest of the name
        (code, _, stderr) = FlowgenProcess.Run("eval", "--data", Data("jacksboro_fault_dem.npz"), "--world");
        Assert.Equal(2, code);
        Assert.Contains("--world needs a model", stderr);
    }

    [Fact]
    public void APhaseMapsCheckpointExportsAtEitherOffsetAndItsModelKeepsItsPhase()
    {
        // flowgen train --phase-maps 2: the model is exported at phase 2 with the maps baked in; its checkpoint exports at
        // phase 0 too; the exported model refuses another recorded phase, and eval measures it alone on real contexts.
        var run = FlowgenProcess.TempDir();
        string dem = Data("jacksboro_fault_dem.npz");
        var (code, _, stderr) = FlowgenProcess.Run("train", "--data", dem, "--out", run, "--context-factor", "4", "--context-mode", "hybrid", "--phase-maps", "2",
            "--levels", "2", "--steps-per-level", "1", "--hidden", "8", "--batch", "8", "--steps", "2", "--test-count", "64", "--eval-every", "100", "--json");
        Assert.True(code == 0, stderr);
        (code, var stdout, stderr) = FlowgenProcess.Run("inspect", Path.Combine(run, "model.onnx"));
        Assert.True(code == 0, stderr);
        Assert.Contains("patches 2 px off the coarse grid", stdout);
        Assert.Contains("phase maps are baked in", stdout);
        string at0 = Path.Combine(run, "at0.onnx");
        (code, _, stderr) = FlowgenProcess.Run("export", run, at0, "--context-phase", "0");
        Assert.True(code == 0, stderr);
        (code, stdout, _) = FlowgenProcess.Run("inspect", at0);
        Assert.Contains("patches 0 px off the coarse grid", stdout);
        string refused = Path.Combine(run, "refused.onnx");
        foreach (var (args, message) in new (string[], string)[]
        {
            (["export", run, refused, "--context-phase", "1"], "--phase-maps"),        // not an offset the correlation is measured at
            (["export", at0, refused, "--context-phase", "2"], "phase maps"),          // baked in at 0
            (["export", run, refused, "--data", dem], "--data"),                        // a checkpoint measures on its own data
        })
        {
            (code, _, stderr) = FlowgenProcess.Run(args);
            Assert.Equal(2, code);
            Assert.Contains(message, stderr);
        }
        Assert.False(File.Exists(refused), "a refused export left a file");
        (code, stdout, stderr) = FlowgenProcess.Run("eval", at0, "--data", dem, "--count", "32");
        Assert.True(code == 0, stderr);
        Assert.Contains("realcontexts", System.Text.RegularExpressions.Regex.Replace(stdout, @"[\s│]", ""));
    }

    [Fact]
    public void ADetailModelIsMeasuredOnRealContexts()
    {
        var (code, stdout, stderr) = FlowgenProcess.Run("eval", "terrain-detail", "--data", Data("jacksboro_fault_dem.npz"), "--count", "64");
        Assert.True(code == 0, stderr);
        Assert.Contains("realcontexts", System.Text.RegularExpressions.Regex.Replace(stdout, @"[\s│]", "")); // the tables wrap the name
        foreach (var (args, message) in new (string[], string)[]
        {
            (["eval", "terrain-detail", "--data", Data("brick.png"), "--count", "64"], "heightmap"),
            (["eval", "terrain-detail", "--data", Data("jacksboro_fault_dem.npz"), "--level-temperatures", "0.9,1,1"], "detail model"),
        })
        {
            (code, _, stderr) = FlowgenProcess.Run(args);
            Assert.Equal(2, code);
            Assert.Contains(message, stderr);
        }
    }

    [Fact]
    public void LevelTemperaturesAreMeasuredByEvalAndBakedInByExport()
    {
        // A tiny two-level heightmap model from the real trainer; eval measures it with its levels' latents scaled apart,
        // export bakes the same scaling into the sampling graph (recorded in the metadata, not in the density graph).
        var run = FlowgenProcess.TempDir();
        string dem = Data("jacksboro_fault_dem.npz");
        var (code, stdout, stderr) = FlowgenProcess.Run("train", "--data", dem, "--out", run, "--levels", "2", "--steps-per-level", "1", "--hidden", "8",
            "--batch", "8", "--steps", "3", "--test-count", "64", "--eval-every", "100", "--json");
        Assert.True(code == 0, stderr);
        (code, stdout, stderr) = FlowgenProcess.Run("eval", Path.Combine(run, "model.onnx"), "--data", dem, "--count", "64", "--level-temperatures", "0.8,1.25");
        Assert.True(code == 0, stderr);
        Assert.Contains("levels0.8/1.25", System.Text.RegularExpressions.Regex.Replace(stdout, @"[\s│]", "")); // the tables wrap the name

        string tempered = Path.Combine(run, "tempered.onnx");
        (code, _, stderr) = FlowgenProcess.Run("export", run, tempered, "--level-temperatures", "0.8,1.25");
        Assert.True(code == 0, stderr);
        (code, stdout, stderr) = FlowgenProcess.Run("inspect", tempered);
        Assert.True(code == 0, stderr);
        Assert.Contains("flowgen.level_temperatures", stdout);
        Assert.Contains("0.8,1.25", stdout);
        (code, stdout, stderr) = FlowgenProcess.Run("inspect", Path.Combine(run, "tempered.density.onnx"));
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("flowgen.level_temperatures", stdout);

        foreach (var args in new[]
        {
            new[] { "export", run, Path.Combine(run, "bad.onnx"), "--level-temperatures", "1,1,1" },
            ["eval", Path.Combine(run, "model.onnx"), "--data", dem, "--count", "64", "--level-temperatures", "1"],
            ["eval", Path.Combine(run, "model.onnx"), "--data", dem, "--count", "64", "--level-temperatures", "1,-1"],
        })
        {
            (code, _, stderr) = FlowgenProcess.Run(args);
            Assert.Equal(2, code);
            Assert.StartsWith("flowgen: error: ", stderr);
            Assert.Matches("2 levels|2 latent levels|finite and positive|level-temperatures", stderr);
        }
        Assert.False(File.Exists(Path.Combine(run, "bad.onnx")), "a refused export left a file");
    }

    [Fact]
    public void ExportRecordsADetailModelsPhaseAndDrawCorrelation()
    {
        // An exported detail model (the bundled default one, trained at every offset without phase maps) re-exported with a
        // phase: the graph is copied, the phase recorded, the draw correlation measured on the DEM's held-out contexts there.
        string output = Path.Combine(FlowgenProcess.TempDir(), "phase0.onnx");
        var (code, _, stderr) = FlowgenProcess.Run("export", "terrain-detail", output, "--context-phase", "0", "--data", Data("jacksboro_fault_dem.npz"));
        Assert.True(code == 0, stderr);
        using (var m = FlowGen.Runtime.FlowModel.Load(output))
        {
            Assert.Equal(0, m.Metadata.ContextPhase);
            Assert.InRange(m.Metadata.DrawCorrelation, 0.1, 0.4);
        }
        string refused = Path.Combine(FlowgenProcess.TempDir(), "refused.onnx");
        foreach (var (args, message) in new (string[], string)[]
        {
            (["export", "terrain", refused, "--context-phase", "2"], "detail models"),
            (["export", "terrain-detail", refused, "--context-phase", "4"], "0 to 3"),
            (["export", "terrain-detail", refused], "missing"),
            (["export", "terrain-detail-fast", refused, "--context-phase", "0"], "phase maps"), // baked in at phase 2
        })
        {
            (code, _, stderr) = FlowgenProcess.Run(args);
            Assert.Equal(2, code);
            Assert.Contains(message, stderr);
        }
        Assert.False(File.Exists(refused), "a refused export left a file");
    }

    [Fact]
    public void SweepTemperaturesAboveOneAreMeasuredAndBadListsRefused()
    {
        var (code, stdout, stderr) = FlowgenProcess.Run("eval", "terrain", "--data", Data("jacksboro_fault_dem.npz"), "--count", "64",
            "--sweep-temperatures", "0.95, 1.05");
        Assert.True(code == 0, stderr);
        Assert.Contains("T = 0.95", stdout);
        Assert.Contains("T = 1.05", stdout);
        Assert.DoesNotContain("T = 0.6", stdout);
        Assert.Matches(@"recommended default temperature: \S*(0\.95|1\.05)", stdout); // bold: an escape code before the number
        foreach (var bad in new[] { "0,1", "1,abc", ",", "1,5" })
        {
            (code, _, stderr) = FlowgenProcess.Run("eval", "terrain", "--data", Data("jacksboro_fault_dem.npz"), "--count", "64", "--sweep-temperatures", bad);
            Assert.Equal(2, code);
            Assert.Contains("--sweep-temperatures", stderr);
        }
    }

    [Fact]
    public void HeightmapModelGivenATextureIsRefused()
    {
        var (code, _, stderr) = FlowgenProcess.Run("eval", Model, "--data", Data("grass.png"));
        Assert.Equal(2, code);
        Assert.Contains("heightmap model cannot be evaluated on a texture image", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void PatchSizeMismatchAndTooSmallDataAreRefused()
    {
        var (code, _, stderr) = FlowgenProcess.Run("eval", Model, "--data", Data("jacksboro_fault_dem.npz"), "--patch", "16");
        Assert.Equal(2, code);
        Assert.Contains("does not match the model's 32x32 patches", stderr);

        var dir = FlowgenProcess.TempDir();
        string small = Path.Combine(dir, "small.npy");
        RasterFile.Save(small, new Raster(40, 40, 1, Enumerable.Range(0, 1600).Select(i => (float)(i % 37)).ToArray()));
        (code, _, stderr) = FlowgenProcess.Run("eval", Model, "--data", small);
        Assert.Equal(2, code);
        Assert.Contains("too small for 32x32 patches", stderr);
        Assert.Contains(small, stderr);
    }

    [Fact]
    public void BaselineOnlyRunPrintsTablesAndWritesTheReport()
    {
        var dir = FlowgenProcess.TempDir();
        string report = Path.Combine(dir, "eval.html");
        var (code, stdout, stderr) = FlowgenProcess.Run("eval", "--data", Data("jacksboro_fault_dem.npz"), "--patch", "16", "--count", "64", "--report", report,
            "--grids", Path.Combine(dir, "grids"));
        Assert.True(code == 0, stderr);
        Assert.Contains("slope W1", stdout);
        Assert.Contains("Gaussian", stdout);
        Assert.Contains("fBm", stdout);
        Assert.Single(Directory.GetFiles(dir));
        Assert.Contains("<svg", File.ReadAllText(report));
        // Every compared source's grid as PNG, elevation and hillshade, readable and not blank.
        var grids = Directory.GetFiles(Path.Combine(dir, "grids")).Select(Path.GetFileName).ToArray();
        Assert.Contains("train.hillshade.png", grids);
        Assert.True(grids.Length >= 6, string.Join(", ", grids));
        foreach (var g in grids)
        {
            var image = FlowGen.Runtime.Formats.RasterFile.Load(Path.Combine(dir, "grids", g!));
            Assert.True(image.Samples.Distinct().Count() > 20, $"{g} is nearly blank");
        }
    }
}
