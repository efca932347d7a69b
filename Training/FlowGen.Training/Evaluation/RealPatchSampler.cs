// The control for a world's composition: patches drawn from the real DEM's own training windows instead of a model.
// Patch i of seed s is the stride-1 training window at a position hashed from (s, i), under one of the 8 dihedral
// symmetries (the trainer's augmentation), with its mean removed, in metres: what a perfect patch model of the
// training distribution would draw. A world built from it (`flowgen seams --real-patches`) shows what the lattice, the
// pyramid and (under a detail model) the detail level do to real terrain, apart from any model's errors.
using FlowGen.Runtime.Streaming;

namespace FlowGen.Training.Evaluation;

/// <summary>Real training windows as an <see cref="IPatchSampler"/> (see the file comment). Stateless and thread-safe.</summary>
public sealed class RealPatchSampler : IPatchSampler
{
    private const ulong PositionStream = 71, SymmetryStream = 72;
    private readonly GridPatchSampler _windows;

    /// <summary>Windows of <paramref name="windows"/>' training split; the grid's pixels are <paramref name="pixelSizeMetres"/> on the ground.</summary>
    public RealPatchSampler(GridPatchSampler windows, double pixelSizeMetres)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (!(pixelSizeMetres > 0) || !double.IsFinite(pixelSizeMetres))
            throw new ArgumentOutOfRangeException(nameof(pixelSizeMetres), pixelSizeMetres, "the pixel size must be positive and finite");
        _windows = windows;
        PixelSizeMetres = pixelSizeMetres;
    }

    public int PatchSize => _windows.PatchSize;

    public double PixelSizeMetres { get; }

    public void Sample(Span<float> destination, ulong seed, long firstIndex, int count)
    {
        int pp = PatchSize * PatchSize, windows = _windows.WindowCount(GridSplit.Train);
        if (destination.Length < count * pp) throw new ArgumentException($"{count} patches need {count * pp} values, the destination has {destination.Length}");
        for (int n = 0; n < count; n++)
        {
            ulong index = unchecked((ulong)(firstIndex + n));
            var patch = destination.Slice(n * pp, pp);
            _windows.Window(GridSplit.Train, CounterRandom.Below(seed, PositionStream, index, windows), CounterRandom.Below(seed, SymmetryStream, index, 8), patch);
            double mean = 0;
            foreach (float v in patch) mean += v;
            float m = (float)(mean / pp);
            for (int k = 0; k < pp; k++) patch[k] -= m;
        }
    }
}
