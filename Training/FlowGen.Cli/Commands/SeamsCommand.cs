// `flowgen seams [MODEL] [--data DEM] [--size N] [--seed S] [--levels L] [--gain G] [--real-patches] [--json]`: measures
// whether a generated world shows its patch lattice, and whether its relief has the real DEM's spectrum at every scale.
// Generates an N x N map of the model's multi-scale world and compares, with SeamStatistics, gradient magnitudes
// and |Laplacian| on lattice lines against interiors, the row spectrum's spike index at the lattice frequencies,
// the 64-px row and column spectra against the real DEM's training and held-out columns (80/20 split; the held-out part is
// too narrow for longer rows; rows and columns apart because real terrain can have a grain), and the radially averaged 2-D
// spectrum of 256² crops against two ranges of the real DEM's 256² crops (the large scales): its training columns', and
// its whole extent's (the train-vs-test spread). The same seam measures on the real DEM with the same lattice laid over it
// are the floor. --real-patches swaps the model's patches for the DEM's own windows: what the composition alone does.
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
    private const int MaxCropSize = 256, CropBins = 12;

    public static Command Create()
    {
        var model = WorldOptions.ModelArgument();
        var data = new Option<string?>("--data") { Description = "real DEM for the floor and the spectrum (default: the bundled Jacksboro DEM next to the program)" };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 1024, Description = "generated map size N (N x N pixels)" };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 1, Description = "world seed" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var realPatches = new Option<bool>("--real-patches")
        {
            Description = "draw MODEL's patches from the DEM's own training windows (at MODEL's pixel size and patch size) instead of MODEL: a perfect patch " +
                "model, the control that shows what the world's composition does to real terrain",
        };
        var (levels, gain, detail, overlap) = WorldOptions.Create();
        var command = new Command("seams", "Measure patch seams of a generated world against interiors and against real terrain") { model, data, size, seed, levels, gain, detail, overlap, realPatches, json };
        command.SetAction(pr => Cli.Guard(() => Run(pr.GetValue(model)!, pr.GetValue(data), pr.GetValue(size), pr.GetValue(seed), pr.GetValue(json),
            pr.GetValue(levels), pr.GetValue(gain), pr.GetValue(detail)!, pr.GetValue(overlap), pr.GetValue(realPatches))));
        return command;
    }

    internal sealed record SpectrumBin(double CyclesPerPixel, double Generated, double Train, double HeldOut, bool WithinSpread);

    /// <summary>
    /// One bin of the 2-D spectrum of 256² crops: generated mean, the real training crops' mean and range, and the range of real
    /// crops over the whole DEM (training and held-out columns: its train-vs-test spread).
    /// </summary>
    internal sealed record CropSpectrumBin(double CyclesPerPixel, double Generated, double Real, double RealMin, double RealMax, bool WithinRange,
        double DemMin, double DemMax, bool WithinDemSpread);

    internal static int Run(string modelArg, string? dataPath, int size, ulong seed, bool json,
        int levels = PyramidWorld.DefaultLevels, double? gain = null, string detailArg = WorldOptions.Auto, int? overlap = null, bool realPatches = false)
    {
        if (size is < 128 or > 8192) throw new ArgumentException("--size must be in 128..8192");
        var (path, detailPath) = WorldOptions.Resolve(modelArg, detailArg);
        double worldGain = WorldOptions.Gain(gain, detailPath is not null);
        dataPath ??= Path.Combine(AppContext.BaseDirectory, "data", "jacksboro_fault_dem.npz");
        var dem = DataGrid.Load(dataPath);
        using var model = FlowModel.Load(path, new FlowModelOptions { MaxBatch = 64 });
        if (model.Metadata.Kind is { } kind && kind != "heightmap")
            throw new FlowGenException($"the model is of kind '{kind}'; seams are measured on heightmap worlds", path);
        float t = model.Metadata.DefaultTemperature;
        IPatchSampler sampler = new FlowPatchSampler(model, t);
        if (realPatches)
        {
            var windows = dem.BlockMeans(EvaluationOptions.DownsampleFor(sampler.PixelSizeMetres, dem.PixelSizeMetres, dataPath));
            sampler = new RealPatchSampler(new GridPatchSampler(windows, sampler.PatchSize), sampler.PixelSizeMetres);
        }
        using var detail = WorldOptions.LoadDetail(detailPath, new FlowModelOptions { MaxBatch = 64 });
        var world = WorldOptions.World(sampler, WorldOptions.DetailSampler(detail), seed, levels, gain, overlap);
        // A coarse model's world (trained with --downsample F) is compared with the DEM's F×F block means, its own scale.
        int downsample = EvaluationOptions.DownsampleFor(world.PixelSizeMetres, dem.PixelSizeMetres, dataPath);
        dem = dem.BlockMeans(downsample);
        var map = new float[size * size];
        world.Fill(0, 0, size, size, 0, map, CancellationToken.None);
        var (stride, lattice, phase) = WorldOptions.FinestLattice(world, detail?.SampleShape[^1] ?? sampler.PatchSize);
        double px = world.PixelSizeMetres;
        // Under a detail model: what the coarse level's interpolation leaves at the coarse grid's period, which the seam ratio
        // also takes out (border pixels against interior pixels at the same coarse-grid position).
        int? grid = world is ConditionalPyramidWorld ? detail!.Metadata.ContextFactor : null;
        var generated = SeamStatistics.Measure(map, size, size, stride, phase, px, overlap: lattice, gridPeriod: grid);
        var floor = SeamStatistics.Measure(dem.Values, dem.Rows, dem.Columns, stride, 0, px, spectrumLength: Math.Min(256, dem.Columns), overlap: lattice, gridPeriod: grid);
        var gridProfile = grid is { } factor ? (Generated: SeamStatistics.GridProfile(map, size, size, factor, px), Real: SeamStatistics.GridProfile(dem.Values, dem.Rows, dem.Columns, factor, px)) : default;

        // Row spectra over all frequencies: generated map, real training columns, real held-out columns.
        int split = (int)(dem.Columns * 0.8);
        // 64-pixel rows, fewer where the held-out columns are fewer (a coarse world's block means: 20 columns, 16-pixel rows).
        int rowLength = Math.Min(SpectrumLength, 1 << System.Numerics.BitOperations.Log2((uint)Math.Max(1, dem.Columns - split)));
        if (rowLength < 16) throw new FlowGenException($"the DEM's held-out columns ({dem.Columns - split}) are too few for a row spectrum (16 at least)", dataPath);
        // Along rows, and along columns (the maps transposed): real terrain can have a grain the two tell apart.
        var bins = LineSpectrum(alongColumns: false);
        var columnBins = LineSpectrum(alongColumns: true);
        var (crops, cropSize) = CropSpectra(map, size, dem);

        // The spectrum of rowLength-px segments of the generated map's rows (or columns) against the real training and held-out parts'.
        List<SpectrumBin> LineSpectrum(bool alongColumns)
        {
            var gen = Lines(map, size, size);
            var train = Lines(Columns(dem, 0, split), dem.Rows, split);
            var held = Lines(Columns(dem, split, dem.Columns), dem.Rows, dem.Columns - split);
            var result = new List<SpectrumBin>();
            for (int k = 1; k < gen.Length; k++)
            {
                double spread = Math.Abs(Math.Log(held[k] / train[k])), off = Math.Abs(Math.Log(gen[k] / train[k]));
                result.Add(new SpectrumBin((double)k / rowLength, gen[k], train[k], held[k], off <= spread));
            }
            return result;

            double[] Lines(float[] v, int rows, int columns) => alongColumns
                ? SeamStatistics.RowSpectrum(Transpose(v, rows, columns), columns, rows, rowLength)
                : SeamStatistics.RowSpectrum(v, rows, columns, rowLength);
        }

        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                size, seed, temperature = t, stride, overlap = lattice, phase, pixel_size_m = px, real_dem_block = downsample,
                generated = Shape(generated), real_floor = Shape(floor),
                spectrum = bins, bins_within_spread = bins.Count(b => b.WithinSpread), bins_total = bins.Count,
                column_spectrum = columnBins, column_bins_within_spread = columnBins.Count(b => b.WithinSpread),
                levels, gain, crop_size = cropSize, crop_spectrum = crops, crop_bins_within_range = crops.Count(b => b.WithinRange),
                crop_bins_within_dem_spread = crops.Count(b => b.WithinDemSpread), real_patches = realPatches,
                coarse_grid = grid is { } period ? new { period, generated = Profile(gridProfile.Generated), real_floor = Profile(gridProfile.Real) } : null,
            }));
            return Cli.Ok;
        }
        string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
        Console.Out.WriteLine($"{size}x{size} world (seed {seed}, {(realPatches ? "the DEM's own windows as the model's patches" : $"temperature {F(t)}")}, {levels} level(s), gain {F(worldGain)}), patch lattice stride {stride} px, overlap {lattice} px, phase {phase} px, {px:F1} m pixels" +
            (downsample > 1 ? $"; real DEM: its {downsample}x{downsample} block means ({dem.Rows}x{dem.Columns})" : ""));
        Console.Out.WriteLine("                       border/interior ratio   W1/interior mean   (real DEM, same lattice: ratio, W1)" + (grid is null ? "" : "   ratio at the same coarse-grid position (real DEM)"));
        foreach (var (g, f) in new[] { (generated.Gradient, floor.Gradient), (generated.Laplacian, floor.Laplacian) })
            Console.Out.WriteLine($"  {g.Name,-20} {F(g.Ratio),10} {F(g.RelativeW1),18}         ({F(f.Ratio)}, {F(f.RelativeW1)})" +
                (g.GridMatchedRatio is { } m ? $"            {F(m)} ({F(f.GridMatchedRatio!.Value)})" : ""));
        Console.Out.WriteLine($"  phase profile max/min: slope {F(generated.Profile.GradientSpread)}, |Laplacian| {F(generated.Profile.LaplacianSpread)}" +
            $"   (real DEM {F(floor.Profile.GradientSpread)}, {F(floor.Profile.LaplacianSpread)})");
        if (grid is { } gridPeriod)
            Console.Out.WriteLine($"  coarse-grid profile ({gridPeriod} px) max/min: slope {F(gridProfile.Generated.GradientSpread)}, |Laplacian| {F(gridProfile.Generated.LaplacianSpread)}" +
                $"   (real DEM {F(gridProfile.Real.GradientSpread)}, {F(gridProfile.Real.LaplacianSpread)})");
        foreach (var (period, index) in generated.Spikes)
        {
            var real = floor.Spikes.FirstOrDefault(s => s.PeriodPx == period);
            Console.Out.WriteLine($"  spectrum spike index at period {period} px: {F(index)}" + (real.PeriodPx == period ? $" (real DEM {F(real.Index)})" : ""));
        }
        Console.Out.WriteLine($"  row spectrum ({rowLength}-px rows): {bins.Count(b => b.WithinSpread)} of {bins.Count} frequency bins within the real train-vs-held-out spread" +
            $", column spectrum: {columnBins.Count(b => b.WithinSpread)}");
        if (crops.Count > 0)
        {
            Console.Out.WriteLine($"  2-D spectrum of {cropSize}² crops, generated / real training crops' mean, cycles per pixel: (training crops' range) (whole DEM's range)");
            foreach (var b in crops)
                Console.Out.WriteLine($"    {b.CyclesPerPixel,8:F4}  {F(b.Generated / b.Real),7}  ({F(b.RealMin / b.Real)} .. {F(b.RealMax / b.Real)}){(b.WithinRange ? "" : " outside")}" +
                    $"  ({F(b.DemMin / b.Real)} .. {F(b.DemMax / b.Real)}){(b.WithinDemSpread ? "" : " outside")}");
            Console.Out.WriteLine($"  {crops.Count(b => b.WithinRange)} of {crops.Count} bins within the range of the real training crops, " +
                $"{crops.Count(b => b.WithinDemSpread)} within the whole DEM's (training and held-out columns: its train-vs-test spread)");
        }
        return Cli.Ok;
    }

    // Radially averaged spectra (plane removed, Hann window) of the generated map's 256² crops and of the real DEM's nine
    // 256² crops spread over its training columns, whose range is one reference; the other, the DEM's train-vs-test spread,
    // adds nine crops spread over all its columns (those on the right reach into the held-out part, which is smoother: 0.2-0.5x
    // the training crops' power from 12 to 93 px on the bundled DEM). Empty when either is too small.
    private static (List<CropSpectrumBin> Bins, int CropSize) CropSpectra(float[] map, int size, DataGrid dem)
    {
        int split = (int)(dem.Columns * 0.8);
        // 256² crops, smaller where the DEM is (a coarse world's block means: 64²).
        int cropSize = Math.Min(MaxCropSize, 1 << System.Numerics.BitOperations.Log2((uint)Math.Max(1, Math.Min(dem.Rows, split))));
        if (cropSize < 32 || size < cropSize) return ([], 0);
        var real = RealCrops(split);
        var whole = real.Concat(RealCrops(dem.Columns)).ToList(); // the training crops and nine over every column, held-out ones too
        int n = size / cropSize;
        var gen = new float[n * n * cropSize * cropSize];
        for (int i = 0; i < n * n; i++)
            Window(map, size, i / n * cropSize, i % n * cropSize, cropSize, cropSize).CopyTo(gen.AsSpan(i * cropSize * cropSize));
        var g = RadialPowerSpectrum.Compute(new PatchSet(gen, n * n, cropSize, cropSize), CropBins);
        var bins = new List<CropSpectrumBin>();
        for (int k = 0; k < CropBins; k++)
        {
            double mean = real.Average(s => s.Power[k]), lo = real.Min(s => s.Power[k]), hi = real.Max(s => s.Power[k]);
            double demLo = whole.Min(s => s.Power[k]), demHi = whole.Max(s => s.Power[k]);
            bins.Add(new CropSpectrumBin(g.Frequencies[k], g.Power[k], mean, lo, hi, g.Power[k] >= lo && g.Power[k] <= hi,
                demLo, demHi, g.Power[k] >= demLo && g.Power[k] <= demHi));
        }
        return (bins, cropSize);

        // Nine crops at the corners, edge midpoints and centre of the first `columns` columns.
        List<RadialPowerSpectrum> RealCrops(int columns)
        {
            var spectra = new List<RadialPowerSpectrum>();
            foreach (int r in Spread(dem.Rows - cropSize))
                foreach (int c in Spread(columns - cropSize))
                    spectra.Add(RadialPowerSpectrum.Compute(new PatchSet(Window(dem.Values, dem.Columns, r, c, cropSize, cropSize), 1, cropSize, cropSize), CropBins));
            return spectra;
        }

        static int[] Spread(int room) => [0, room / 2, room];
    }

    private static object Shape(SeamReport r) => new
    {
        gradient = r.Gradient, laplacian = r.Laplacian,
        phase_profile = Profile(r.Profile),
        spikes = r.Spikes.Select(s => new { period_px = s.PeriodPx, index = s.Index }),
    };

    private static object Profile(PhaseProfile p) =>
        new { gradient = p.Gradient, laplacian = p.Laplacian, gradient_spread = p.GradientSpread, laplacian_spread = p.LaplacianSpread };

    private static float[] Transpose(float[] v, int rows, int columns)
    {
        var t = new float[v.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) t[c * rows + r] = v[r * columns + c];
        return t;
    }

    private static float[] Columns(DataGrid g, int c0, int c1) => Window(g.Values, g.Columns, 0, c0, g.Rows, c1 - c0);

    // Rows r0 .. r0+h-1, columns c0 .. c0+w-1 of a row-major map `columns` wide.
    private static float[] Window(ReadOnlySpan<float> v, int columns, int r0, int c0, int h, int w)
    {
        var window = new float[h * w];
        for (int r = 0; r < h; r++) v.Slice((r0 + r) * columns + c0, w).CopyTo(window.AsSpan(r * w));
        return window;
    }
}
