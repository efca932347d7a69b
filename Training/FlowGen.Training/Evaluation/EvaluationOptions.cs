// The knobs of one evaluation run (`flowgen eval` options), shared by terrain and texture evaluation.
namespace FlowGen.Training.Evaluation;

public sealed record EvaluationOptions
{
    /// <summary>Real data: a DEM in metres (any raster format FlowGen reads) or an 8-bit grayscale texture PNG.</summary>
    public required string DataPath { get; init; }
    /// <summary>Patch size when no model fixes it.</summary>
    public int PatchSize { get; init; } = 32;
    /// <summary>Terrain: ground distance between pixels. Default 90 m: the bundled DEM's 3 arc-second grid, as the reference uses.</summary>
    public double PixelSizeM { get; init; } = 90.0;
    /// <summary>Patches per compared set (each training draw, held-out, model, each baseline).</summary>
    public int Count { get; init; } = 2048;
    /// <summary>Held-out patches for bits/dim (the reference uses 2048).</summary>
    public int BitsPerDimCount { get; init; } = 2048;
    public float Temperature { get; init; } = 1.0f;
    public bool Sweep { get; init; }
    /// <summary>Temperatures of the sweep (default <see cref="TemperatureSweep.DefaultTemperatures"/>, issue 5's 0.6 .. 1.0).</summary>
    public IReadOnlyList<float> SweepTemperatures { get; init; } = TemperatureSweep.DefaultTemperatures;
    public ulong Seed { get; init; } = 2024;
    /// <summary>Terrain: compare against the DEM's means of F×F blocks (a coarse model, <c>flowgen train --downsample F</c>);
    /// 1 = the DEM itself. <see cref="DownsampleFor"/> picks it from the model's and the data's pixel sizes.</summary>
    public int Downsample { get; init; } = 1;

    /// <summary>
    /// The block size F at which a model of <paramref name="modelPixelMetres"/> pixels was trained on a DEM of
    /// <paramref name="dataPixelMetres"/> pixels: 1 where either is unknown or the model's are 0.75 to 1.5 times the data's
    /// (a nominal size, like the reference recipe's 90 m for the bundled DEM's 83.5 m), F (2 to 16) where they are F times
    /// the data's within 5 %; anything else is an <see cref="EvaluationException"/> naming the data file.
    /// </summary>
    public static int DownsampleFor(double? modelPixelMetres, double? dataPixelMetres, string dataPath)
    {
        if (modelPixelMetres is not { } m || dataPixelMetres is not { } d || !(m > 0) || !(d > 0)) return 1;
        double ratio = m / d;
        if (ratio >= 0.75 && ratio < 1.5) return 1;
        int f = (int)Math.Round(ratio);
        if (ratio < 0.75 || Math.Abs(ratio / f - 1) > 0.05 || f > 16)
            throw new EvaluationException($"the model's pixels ({m:G5} m) are not the data's ({d:G5} m) nor 2 to 16 times them: " +
                "evaluate a model on the DEM it was trained on", dataPath);
        return f;
    }
}
