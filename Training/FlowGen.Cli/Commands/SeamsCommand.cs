// `flowgen seams [MODEL] [--data DEM] [--size N] [--seed S] [--json]`: measures whether a generated world shows
// its patch lattice. Generates an N x N map of the model's seamless world and compares, with SeamStatistics,
// gradient magnitudes and |Laplacian| on lattice lines against interiors, the row spectrum's spike index at the
// lattice frequencies, and the row spectrum over all frequencies against the real DEM's training and held-out
// columns (80/20 split). The same seam measures on the real DEM with the same lattice laid over it are the floor.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FlowGen.Runtime;
using FlowGen.Runtime.Streaming;
using FlowGen.Training.Evaluation;

namespace FlowGen.Cli.Commands;

internal static class SeamsCommand
{
    private const int SpectrumLength = 64;

    public static Command Create()
    {
        var model = BundledModels.Argument("heightmap sampling model");
        var data = new Option<string?>("--data") { Description = "real DEM for the floor and the spectrum (default: the bundled Jacksboro DEM next to the program)" };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 1024, Description = "generated map size N (N x N pixels)" };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 1, Description = "world seed" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var command = new Command("seams", "Measure patch seams of a generated world against interiors and against real terrain") { model, data, size, seed, json };
        command.SetAction(pr => Cli.Guard(() => Run(pr.GetValue(model)!, pr.GetValue(data), pr.GetValue(size), pr.GetValue(seed), pr.GetValue(json))));
        return command;
    }

    internal sealed record SpectrumBin(double CyclesPerPixel, double Generated, double Train, double HeldOut, bool WithinSpread);

    internal static int Run(string modelArg, string? dataPath, int size, ulong seed, bool json)
    {
        if (size is < 128 or > 8192) throw new ArgumentException("--size must be in 128..8192");
        string path = BundledModels.Resolve(modelArg);
        dataPath ??= Path.Combine(AppContext.BaseDirectory, "data", "jacksboro_fault_dem.npz");
        var dem = DataGrid.Load(dataPath);
        using var model = FlowModel.Load(path, new FlowModelOptions { MaxBatch = 64 });
        if (model.Metadata.Kind is { } kind && kind != "heightmap")
            throw new FlowGenException($"the model is of kind '{kind}'; seams are measured on heightmap worlds", path);
        float t = model.Metadata.DefaultTemperature;
        var sampler = new FlowPatchSampler(model, t);
        var world = new LatticeWorld(sampler, seed);
        var map = new float[size * size];
        world.Fill(0, 0, size, size, 0, map, CancellationToken.None);
        int stride = sampler.PatchSize / 2;
        double px = world.PixelSizeMetres;
        var generated = SeamStatistics.Measure(map, size, size, stride, 0, px);
        var floor = SeamStatistics.Measure(dem.Values, dem.Rows, dem.Columns, stride, 0, px, spectrumLength: Math.Min(256, dem.Columns));

        // Row spectra over all frequencies: generated map, real training columns, real held-out columns.
        int split = (int)(dem.Columns * 0.8);
        var gen = SeamStatistics.RowSpectrum(map, size, size, SpectrumLength);
        var train = SeamStatistics.RowSpectrum(Columns(dem, 0, split), dem.Rows, split, SpectrumLength);
        var held = SeamStatistics.RowSpectrum(Columns(dem, split, dem.Columns), dem.Rows, dem.Columns - split, SpectrumLength);
        var bins = new List<SpectrumBin>();
        for (int k = 1; k < gen.Length; k++)
        {
            double spread = Math.Abs(Math.Log(held[k] / train[k])), off = Math.Abs(Math.Log(gen[k] / train[k]));
            bins.Add(new SpectrumBin((double)k / SpectrumLength, gen[k], train[k], held[k], off <= spread));
        }

        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                size, seed, temperature = t, stride, pixel_size_m = px,
                generated = Shape(generated), real_floor = Shape(floor),
                spectrum = bins, bins_within_spread = bins.Count(b => b.WithinSpread), bins_total = bins.Count,
            }));
            return Cli.Ok;
        }
        string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
        Console.Out.WriteLine($"{size}x{size} world (seed {seed}, temperature {F(t)}), patch lattice stride {stride} px, {px:F1} m pixels");
        Console.Out.WriteLine("                       border/interior ratio   W1/interior mean   (real DEM, same lattice: ratio, W1)");
        foreach (var (g, f) in new[] { (generated.Gradient, floor.Gradient), (generated.Laplacian, floor.Laplacian) })
            Console.Out.WriteLine($"  {g.Name,-20} {F(g.Ratio),10} {F(g.RelativeW1),18}         ({F(f.Ratio)}, {F(f.RelativeW1)})");
        foreach (var (period, index) in generated.Spikes)
        {
            var real = floor.Spikes.FirstOrDefault(s => s.PeriodPx == period);
            Console.Out.WriteLine($"  spectrum spike index at period {period} px: {F(index)}" + (real.PeriodPx == period ? $" (real DEM {F(real.Index)})" : ""));
        }
        Console.Out.WriteLine($"  row spectrum ({SpectrumLength}-px rows): {bins.Count(b => b.WithinSpread)} of {bins.Count} frequency bins within the real train-vs-held-out spread");
        return Cli.Ok;
    }

    private static object Shape(SeamReport r) => new
    {
        gradient = r.Gradient, laplacian = r.Laplacian,
        spikes = r.Spikes.Select(s => new { period_px = s.PeriodPx, index = s.Index }),
    };

    private static float[] Columns(DataGrid g, int c0, int c1)
    {
        var v = new float[g.Rows * (c1 - c0)];
        for (int r = 0; r < g.Rows; r++) g.Values.AsSpan(r * g.Columns + c0, c1 - c0).CopyTo(v.AsSpan(r * (c1 - c0)));
        return v;
    }
}
