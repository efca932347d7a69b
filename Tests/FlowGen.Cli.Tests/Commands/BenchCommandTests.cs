// `flowgen bench` run as users call it, on the torch-exported reference Glow: the JSON has one object
// per batch with consistent numbers (patches/s = batch / median latency, GFLOP/s from the graph's
// FLOPs), the ORT columns when the library is present, and bad options give exit code 2. --profile on the
// bundled two-input detail model: per-step times that add up, FLOPs that match the compiled graph's.
using System.Text.Json;

namespace FlowGen.Cli.Tests.Commands;

public sealed class BenchCommandTests
{
    private static readonly string Model = FlowgenProcess.Fixture("glow_ref_sample.onnx");

    [Fact]
    public void JsonHasOneConsistentObjectPerBatch()
    {
        var (code, stdout, stderr) = FlowgenProcess.Run("bench", Model, "--batch", "1,3", "--threads", "2", "--seconds", "0.05", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var items = doc.RootElement.EnumerateArray().ToArray();
        Assert.Equal([1, 3], items.Select(i => i.GetProperty("batch").GetInt32()));
        foreach (var item in items)
        {
            int batch = item.GetProperty("batch").GetInt32();
            double pps = item.GetProperty("patches_per_s").GetDouble(), lat = item.GetProperty("latency_ms_median").GetDouble();
            double gflops = item.GetProperty("gflops").GetDouble();
            Assert.True(pps > 0 && lat > 0 && gflops > 0);
            Assert.Equal(batch / (lat / 1e3), pps, pps * 1e-9);
            // 23.7 MFLOP per sample counted from the compiled graph (issue 2 quotes 23.9 for this model).
            Assert.InRange(gflops * 1e9 * (lat / 1e3) / batch / 1e6, 23, 24.5);
            Assert.True(item.GetProperty("peak_gflops").GetDouble() > 0);
            var ratio = item.GetProperty("ratio_vs_ort");
            if (ratio.ValueKind == JsonValueKind.Null) continue;   // ONNX Runtime absent: comparison skipped
            double ortLat = item.GetProperty("ort_latency_ms_median").GetDouble();
            Assert.Equal(ortLat / lat, ratio.GetDouble(), 1e-9);
            Assert.True(item.GetProperty("max_rel_diff_vs_ort").GetDouble() < 1e-3, "FlowGen and ONNX Runtime disagree");
        }
    }

    [Fact]
    public void ProfileTimesEveryStepOfATwoInputModel()
    {
        var (code, stdout, stderr) = FlowgenProcess.Run("bench", "terrain-detail", "--profile", "--batch", "2", "--seconds", "0.2", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var run = Assert.Single(doc.RootElement.EnumerateArray().ToArray());
        Assert.Equal(2, run.GetProperty("batch").GetInt32());
        var steps = run.GetProperty("steps").EnumerateArray().ToArray();
        // 145 compiled steps (flowgen inspect), 29,886,208 FLOPs a sample: the steps carry the whole graph's count.
        Assert.Equal(145, steps.Length);
        Assert.Equal(2 * 29_886_208L, steps.Sum(s => s.GetProperty("flops").GetInt64()));
        Assert.Equal(Enumerable.Range(0, steps.Length), steps.Select(s => s.GetProperty("index").GetInt32()));
        Assert.All(steps, s => Assert.True(s.GetProperty("mean_ms").GetDouble() >= 0));
        double total = run.GetProperty("total_ms").GetDouble();
        Assert.Equal(steps.Sum(s => s.GetProperty("mean_ms").GetDouble()), total, total * 1e-9);
        var types = run.GetProperty("by_op_type").EnumerateArray().ToArray();
        Assert.Equal(steps.Length, types.Sum(t => t.GetProperty("steps").GetInt32()));
        Assert.Equal(1.0, types.Sum(t => t.GetProperty("share").GetDouble()), 1e-9);
        Assert.Equal(48, types.Single(t => t.GetProperty("op_type").GetString() == "Conv").GetProperty("steps").GetInt32());
        Assert.Contains(steps, s => s.GetProperty("detail").GetString()!.Contains("k3x3 cin 6 relu"));   // level 1's coupling input conv

        (code, stdout, stderr) = FlowgenProcess.Run("bench", "terrain-coarse", "--profile", "--seconds", "0.1");
        Assert.True(code == 0, stderr);
        Assert.Contains("batch 8, one serial executor", stdout);
        Assert.Contains($"slowest 15 steps", stdout);
    }

    [Fact]
    public void BadOptionsGiveExitCode2()
    {
        var (code, _, stderr) = FlowgenProcess.Run("bench", Model, "--batch", "0,x", "--no-ort");
        Assert.Equal(2, code);
        Assert.Contains("--batch", stderr);
        (code, _, stderr) = FlowgenProcess.Run("bench", Model + ".missing", "--no-ort");
        Assert.Equal(2, code);
        Assert.Single(stderr.Trim().Split('\n'));
        (code, _, stderr) = FlowgenProcess.Run("bench", Model + ".missing", "--profile");
        Assert.Equal(2, code);
        Assert.Contains(".missing", stderr);
    }
}
