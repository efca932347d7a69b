// `flowgen upscale DEM --out FILE [--detail MODEL] [--seed S] [--downsample F] [--pixel-size M] [--any-scale] [--preview P]
// [--fill-nodata] [--threads N] [--backend cpu|vulkan]`:
// adds learned detail to a real coarse DEM. The DEM serves as the coarse level of a ConditionalPyramidWorld (RasterWorld)
// and a detail model (trained with --context-factor F: the bundled terrain-detail and terrain-detail-fast, F = 4, 334 m
// to 83.5 m) draws the residual given it, exactly as under the coarse model in `flowgen world`: the output is F times
// the input on each axis, the input's F×F block means plus the blended residual patches. `--downsample F` first
// block-averages a finer DEM, upscales that back and prints the output's power spectrum over the original's, band by
// band, on the same crops: how real the drawn detail is on real coarse terrain, which a world's coarse model cannot say.
using System.CommandLine;
using System.Globalization;
using FlowGen.Runtime;
using FlowGen.Runtime.Formats;
using FlowGen.Runtime.Streaming;
using FlowGen.Training.Evaluation;
using Spectre.Console;

namespace FlowGen.Cli.Commands;

internal static class UpscaleCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("DEM") { Description = "coarse DEM: any raster FlowGen reads (GeoTIFF, HGT, .npy/.npz, 16-bit PNG), one band (nodata cells: see --fill-nodata)" };
        var outFile = new Option<string>("--out") { Description = "output: .png (16-bit), .r16/.raw, .exr, .npy or .npz", Required = true };
        var detail = new Option<string>("--detail")
        {
            Description = $"detail model (trained with --context-factor F): a path or {BundledModels.DetailName} (default) / {BundledModels.FastDetailName}",
            DefaultValueFactory = _ => BundledModels.DetailName,
        };
        var seed = new Option<ulong>("--seed") { Description = "seed of the drawn detail", DefaultValueFactory = _ => 0 };
        var downsample = new Option<int>("--downsample")
        {
            Description = "block-average the DEM F×F first (F = the model's context factor), upscale that, and compare the result's spectrum with the DEM's",
            DefaultValueFactory = _ => 1,
        };
        var pixelSize = new Option<double?>("--pixel-size") { Description = "the DEM's pixel size in metres (default: from its georeference)" };
        var fillNoData = new Option<bool>("--fill-nodata") { Description = "fill the DEM's nodata cells (voids) smoothly from the heights around them first (harmonic interpolation)" };
        var anyScale = new Option<bool>("--any-scale") { Description = "upscale a DEM whose pixels are not F times the detail model's (its detail then comes at the wrong scale)" };
        var preview = new Option<string?>("--preview") { Description = "also write a shaded colour-relief PNG (with --downsample: the original DEM beside the upscaled one)" };
        var threads = new Option<int>("--threads") { Description = "worker threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var backend = Cli.BackendOption();
        var command = new Command("upscale", "Add learned detail to a real coarse DEM: F times the pixels on each axis (F = the detail model's context factor).")
            { input, outFile, detail, seed, downsample, pixelSize, fillNoData, anyScale, preview, threads, backend };
        command.SetAction(pr => Cli.Guard(() => Run(pr.GetValue(input)!, pr.GetValue(outFile)!, pr.GetValue(detail)!, pr.GetValue(seed), pr.GetValue(downsample),
            pr.GetValue(pixelSize), pr.GetValue(anyScale), pr.GetValue(preview), pr.GetValue(threads), Cli.ParseBackend(pr.GetValue(backend)!), pr.GetValue(fillNoData))));
        return command;
    }

    internal static int Run(string inputPath, string outPath, string detailArg, ulong seed, int downsample, double? pixelSize, bool anyScale, string? previewPath, int threads,
        FlowBackend backend = FlowBackend.Cpu, bool fillNoData = false)
    {
        WorldCommand.CheckOutputPaths(outPath, previewPath);
        if (downsample is < 1 or > 16) throw new ArgumentException($"--downsample must be 1 to 16, not {downsample}");
        if (pixelSize is { } given && !(double.IsFinite(given) && given > 0)) throw new ArgumentException($"--pixel-size must be positive, not {given}");

        var raster = RasterFile.Load(inputPath);
        if (raster.IsEightBitPng)
            throw new FlowGenException("an 8-bit image is a texture, not a DEM: upscale takes elevations (GeoTIFF, HGT, .npy/.npz, 16-bit PNG)", inputPath);
        if (raster.Channels != 1) throw new FlowGenException($"upscale takes a one-band elevation raster, not {raster.Channels} bands", inputPath);
        if (raster.NoDataMask is { } mask && mask.Count(m => m) is var voids and > 0)
        {
            if (!fillNoData) throw new FlowGenException($"the DEM has {voids} nodata cells: pass --fill-nodata to fill them from the heights around them", inputPath);
            raster = FillNoData(raster, mask, inputPath);
            Console.Error.WriteLine($"filled {voids} nodata cells");
        }
        var dem = DataGrid.FromRaster(raster, inputPath); // finite values: typed errors naming the file
        double demPixel = pixelSize ?? dem.PixelSizeMetres
            ?? throw new FlowGenException("the DEM has no georeference to read its pixel size from: pass --pixel-size", inputPath);
        dem = new DataGrid(dem.Values, dem.Rows, dem.Columns, inputPath, demPixel);
        var coarse = dem.BlockMeans(downsample);

        string modelPath = BundledModels.Resolve(detailArg);
        using var model = FlowModel.Load(modelPath, new FlowModelOptions { MaxBatch = 64, Threads = threads, Backend = backend });
        if (!model.IsConditional || model.Metadata.ContextFactor is not { } factor)
            throw new FlowGenException("upscaling needs a detail model (trained with --context-factor); this one has no context input", modelPath);
        if (model.Metadata.Kind is { } kind && kind != "heightmap") throw new FlowGenException($"the model is of kind '{kind}'; upscaling needs a heightmap detail model", modelPath);
        var sampler = new FlowDetailSampler(model, model.Metadata.DefaultTemperature);
        double expected = sampler.PixelSizeMetres * factor, coarsePixel = coarse.PixelSizeMetres!.Value;
        if (Math.Abs(coarsePixel / expected - 1) > 0.02 && !anyScale)
            throw new FlowGenException($"the DEM's pixels are {coarsePixel:G5} m{(downsample > 1 ? $" after --downsample {downsample}" : "")}; {Path.GetFileName(modelPath)} " +
                $"adds {factor}x detail to {expected:G5} m pixels (resample the DEM{(Math.Abs(coarsePixel * factor / expected - 1) <= 0.02 ? $", or --downsample {factor} to re-detail its block means" : "")}, or pass --any-scale)", inputPath);
        long pixels = (long)coarse.Rows * coarse.Columns * factor * factor;
        if (pixels > WorldCommand.MaxPixels) throw new ArgumentException($"the upscaled DEM would have {pixels} pixels, more than {WorldCommand.MaxPixels}");

        // The world's coarse level is the DEM itself at the pixel size the model expects.
        var world = ConditionalPyramidWorld.Upscale(sampler, coarse.Values, coarse.Columns, coarse.Rows, coarsePixel, seed, anyScale: true);
        int w = coarse.Columns * factor, h = coarse.Rows * factor;
        var values = new float[(long)w * h];
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"upscale {coarse.Columns}x{coarse.Rows} -> {w}x{h}", maxValue: h);
                for (int y = 0; y < h; y += 256)
                {
                    int rows = Math.Min(256, h - y);
                    world.Fill(0, y, w, rows, 0, values.AsSpan((int)((long)y * w), w * rows), default);
                    task.Increment(rows);
                }
            });

        double outPixel = coarsePixel / factor;
        var output = new Raster(w, h, 1, values) { Geo = null };
        output.Metadata["flowgen.upscale.source"] = Path.GetFileName(inputPath);
        output.Metadata["flowgen.upscale.detail"] = Path.GetFileName(modelPath);
        output.Metadata["flowgen.world_seed"] = seed.ToString(CultureInfo.InvariantCulture);
        output.Metadata["flowgen.pixel_size_m"] = outPixel.ToString("R", CultureInfo.InvariantCulture);
        RasterFile.Save(outPath, output, new RasterWriteOptions { PngBitDepth = 16 });
        if (previewPath is not null)
        {
            if (downsample > 1) WriteComparison(previewPath, dem, values, w, h, outPixel);
            else WorldCommand.WritePreview(previewPath, values, w, h, outPixel);
        }
        Console.Out.WriteLine($"wrote {w}x{h} heightmap at {outPixel:G5} m ({Path.GetFileName(inputPath)} {coarse.Columns}x{coarse.Rows} at {coarsePixel:G5} m " +
            $"+ detail of {Path.GetFileNameWithoutExtension(modelPath)}, seed {seed}) to {outPath}");
        if (downsample > 1) PrintSpectrum(values, w, h, dem, factor);
        return Cli.Ok;
    }

    // Voids filled with the harmonic interpolant of the heights around them: each void cell the mean of its four neighbours
    // (those inside the raster), solved by Gauss-Seidel sweeps from the mean of the valid heights until no cell moves by a
    // millimetre. Smooth and within the range of the surrounding heights; a DEM with no valid cell is refused.
    private static Raster FillNoData(Raster raster, bool[] mask, string path)
    {
        int w = raster.Width, h = raster.Height;
        var v = raster.Samples.ToArray();
        var voids = Enumerable.Range(0, w * h).Where(i => mask[i]).ToArray();
        if (voids.Length == w * h) throw new FlowGenException("every cell of the DEM is nodata", path);
        double mean = Enumerable.Range(0, w * h).Where(i => !mask[i]).Average(i => (double)v[i]);
        foreach (int i in voids) v[i] = (float)mean;
        for (int sweep = 0; sweep < 100_000; sweep++)
        {
            double moved = 0;
            foreach (int i in voids)
            {
                int y = i / w, x = i % w, n = 0;
                double sum = 0;
                if (x > 0) { sum += v[i - 1]; n++; }
                if (x < w - 1) { sum += v[i + 1]; n++; }
                if (y > 0) { sum += v[i - w]; n++; }
                if (y < h - 1) { sum += v[i + w]; n++; }
                float next = (float)(sum / n);
                moved = Math.Max(moved, Math.Abs(next - v[i]));
                v[i] = next;
            }
            if (moved < 1e-3) break;
        }
        return new Raster(w, h, 1, v) { Geo = raster.Geo };
    }

    // With --downsample: the original DEM (left) and its upscaled block means (right), one shading, a flat gap between.
    private static void WriteComparison(string path, DataGrid real, float[] values, int w, int h, double pixel)
    {
        const int gap = 8;
        int cw = 2 * w + gap;
        var both = new float[(long)cw * h];
        for (int y = 0; y < h; y++)
        {
            var row = both.AsSpan(y * cw, cw);
            real.Values.AsSpan(y * real.Columns, w).CopyTo(row);
            row.Slice(w, gap).Fill(values[y * w + w - 1]);
            values.AsSpan(y * w, w).CopyTo(row[(w + gap)..]);
        }
        WorldCommand.WritePreview(path, both, cw, h, pixel);
    }

    // The upscaled DEM's radially averaged power over the original's, per band, on the same crops (nine spread over
    // the map, 256² where it is that large): 1 where the drawn detail carries the real relief at that wavelength.
    private static void PrintSpectrum(float[] values, int w, int h, DataGrid real, int factor)
    {
        int size = Math.Min(256, 1 << System.Numerics.BitOperations.Log2((uint)Math.Min(w, h)));
        if (size < 32) return;
        const int bins = 12;
        var gen = new List<float>();
        var org = new List<float>();
        int[] Spread(int range) => range <= 0 ? [0] : [0, range / 2, range];
        foreach (int r in Spread(h - size))
            foreach (int c in Spread(w - size))
                for (int y = 0; y < size; y++)
                {
                    gen.AddRange(values.AsSpan((r + y) * w + c, size).ToArray());
                    org.AddRange(real.Values.AsSpan((r + y) * real.Columns + c, size).ToArray());
                }
        int n = gen.Count / (size * size);
        var g = RadialPowerSpectrum.Compute(new PatchSet(gen.ToArray(), n, size, size), bins);
        var o = RadialPowerSpectrum.Compute(new PatchSet(org.ToArray(), n, size, size), bins);
        AnsiConsole.MarkupLine($"power spectrum of the upscaled DEM over the original's, the same {n} crops of {size}x{size}:");
        var table = new Table().AddColumns("wavelength (px)", "ratio");
        for (int k = 0; k < bins; k++)
            table.AddRow((1 / g.Frequencies[k]).ToString("F1", CultureInfo.InvariantCulture), (g.Power[k] / o.Power[k]).ToString("F3", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"(wavelengths above {2 * factor} px are the block means' own; below, the detail model's)");
    }
}
