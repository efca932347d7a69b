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
}
